package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The tier's score histogram and the watch budget read off it: accounts whose float scores all
 * round to 1 are still ranked by their log-odds, so a campaign larger than the budget is watched up
 * to the budget instead of hiding in a tie; the histogram's older snapshot layout is still read.
 */
class TierBaselineTest {
  private static final float FLOOR = 0.59f;
  private static final double BUDGET = 0.01;

  /** 950 benign accounts scoring about 0.001, and 50 the model is sure of (float score 1). */
  private static TierBaseline tierWithASureCampaign(int[] campaignBins) {
    TierBaseline t = new TierBaseline(FLOOR, BUDGET, new float[Features.COUNT]);
    for (int i = 0; i < 950; i++) {
      t.move(-1, TierBaseline.bin(0.001f + i * 1e-6f, 0f));
    }
    for (int i = 0; i < 50; i++) {
      float logit = 20f + i; // sigmoid(20) already rounds to 1 in a float
      assertEquals(1f, MlpModel.sigmoid(logit));
      campaignBins[i] = TierBaseline.bin(1f, logit);
      t.move(-1, campaignBins[i]);
    }
    for (int i = 0; i < TierBaseline.RECOMPUTE; i++) {
      t.move(campaignBins[0], campaignBins[0] + 1); // crosses a recompute with the same counts
      t.move(campaignBins[0] + 1, campaignBins[0]);
    }
    return t;
  }

  @Test
  void aCampaignThatTheModelIsSureOfIsWatchedUpToTheBudgetNotHiddenInATie() {
    int[] bins = new int[50];
    TierBaseline t = tierWithASureCampaign(bins);
    int watched = 0;
    for (int i = 0; i < 50; i++) {
      if (t.watches(1f, bins[i])) {
        watched++;
        assertTrue(i >= 40, "the surest are watched first: " + i);
      }
    }
    // 1% of 1,000 accounts: the ten highest log-odds (with score bins alone: none, all 50 tied).
    assertEquals(10, watched);
    assertFalse(t.watches(0.001f, TierBaseline.bin(0.001f, 0f)));
    assertTrue(t.threshold() > 0.999f && t.threshold() <= 1f, "threshold " + t.threshold());
    assertTrue(t.thresholdLogit() > 59f && t.thresholdLogit() <= 60f, "" + t.thresholdLogit());
  }

  @Test
  void theThresholdsLogOddsMatchItsScoreBelowTop() {
    TierBaseline t = new TierBaseline(FLOOR, BUDGET, new float[Features.COUNT]);
    for (int i = 0; i < 1000; i++) {
      t.move(-1, TierBaseline.bin(i / 1000f * 0.95f, 0f)); // scores 0 to 0.95, none near 1
    }
    float score = t.threshold();
    assertTrue(score > FLOOR && score < 0.95f, "threshold " + score);
    assertEquals(Math.log(score / (1 - score)), t.thresholdLogit(), 1e-3);
  }

  @Test
  void binsAreOrderedAndTheLogOddsBinsStartAtTop() {
    assertEquals(0, TierBaseline.bin(0f, 0f));
    assertEquals(1022, TierBaseline.bin(Math.nextDown(TierBaseline.TOP), 0f));
    assertEquals(TierBaseline.SCORE_BINS, TierBaseline.bin(TierBaseline.TOP, 6.9f));
    assertEquals(TierBaseline.BINS - 1, TierBaseline.bin(1f, Float.POSITIVE_INFINITY));
    assertEquals(TierBaseline.SCORE_BINS, TierBaseline.bin(1f, Float.NaN));
    int last = -1;
    for (float z = -20f; z < 140f; z += 0.01f) {
      float s = MlpModel.sigmoid(z);
      int b = TierBaseline.bin(s, z);
      assertTrue(b >= last, "bins fall at logit " + z);
      assertTrue(TierBaseline.edge(b) <= s, "edge above the score at logit " + z);
      last = b;
    }
  }

  @Test
  void aSnapshotInTheOlderLayoutFoldsTheLogOddsBinsIntoItsLastBinAndReadsBack() throws IOException {
    int[] bins = new int[50];
    TierBaseline t = tierWithASureCampaign(bins);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    t.write(new DataOutputStream(bytes), 2);
    TierBaseline old = new TierBaseline(FLOOR, BUDGET, new float[Features.COUNT]);
    old.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 2);
    // All 50 are now in the first log-odds bin, tied: more than the budget, so none is watched.
    assertFalse(old.watches(1f, TierBaseline.SCORE_BINS));
    bytes.reset();
    t.write(new DataOutputStream(bytes), 3);
    TierBaseline same = new TierBaseline(FLOOR, BUDGET, new float[Features.COUNT]);
    same.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 3);
    for (int i = 0; i < 50; i++) {
      assertEquals(t.watches(1f, bins[i]), same.watches(1f, bins[i]), "account " + i);
    }
  }
}
