package dev.moat.detect;

import static dev.moat.detect.DetectorTest.DAY;
import static dev.moat.detect.DetectorTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One busy account that pastes the same paragraphs as a campaign on aged accounts (a translation
 * pipeline or a support bot whose knowledge base a flagged customer also pastes): its requests land
 * in the campaign's buckets, now and then with an ask that elicits. A template's evidence flags an
 * account only where it uses the template as the campaign does ({@link AccountState#groupFlags}):
 * on the fourth generator's seeds 109, 120, 122 and 124, 14 of 26 support bots and 17 of 17
 * translation pipelines were flagged by two such requests among thousands.
 */
class TemplateUseTest {
  /**
   * The campaign of {@link PastedPassagesTest} (40 aged accounts asking for reasoning about its
   * paragraphs) and one aged product account that, every ten minutes or so over its three days,
   * pastes one of the same paragraphs for a translation, one time in {@code every} ending with an
   * ask that elicits. About a fifth of its requests land in the campaign's buckets, whichever they
   * end with; its requests that elicit count there.
   */
  static List<TraceRecord> traffic(int every) {
    SplittableRandom r = new SplittableRandom(11);
    List<TraceRecord> product = new ArrayList<>();
    int k = 0;
    for (long t = START + DAY; t < START + 4 * DAY; t += 300_000 + r.nextLong(600_000), k++) {
      String prompt = "Translate this:\n\n" + PastedPassagesTest.passage(r.nextInt(512));
      product.add(
          new TraceRecord(
              t,
              "product",
              START - 500 * DAY,
              "enterprise",
              "192.0.2.0/24",
              null,
              0,
              null,
              k % every == every - 1 ? prompt + "\n\nThink step by step." : prompt,
              2048,
              0.2,
              0,
              400));
    }
    return TenureTest.sorted(PastedPassagesTest.traffic(0, "unused"), product);
  }

  @Test
  void aProductPastingACampaignsParagraphsIsWatchedNotFlagged() {
    List<TraceRecord> people = TenureTest.regulars(5, 200, 4);
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build()) {
      TenureTest.sorted(people, traffic(12)).forEach(d::observe);
      assertTrue(TenureTest.flagged(d, "aged-") >= 30, "the campaign");
      assertEquals(0, TenureTest.flagged(d, "person-"));
      // One request in twelve elicits: 6 of its 95 requests into the campaign's templates counted.
      // Without the rule, flagged at the second.
      Verdict product = d.verdict("product");
      assertNotNull(product);
      assertTrue(!product.flagged(), "the product: " + product.reasons());
      assertEquals(Suspicion.WATCH, product.level(), "watched, not enforced: " + product.reasons());
      // The control: the same account eliciting every other time uses the campaign's templates as
      // the campaign does (51 of 96 counted).
      TenureTest.sorted(people, traffic(2)).forEach(control::observe);
      Verdict relayed = control.verdict("product");
      assertNotNull(relayed);
      assertTrue(relayed.flagged(), "half its pastes elicit: " + relayed.reasons());
      assertTrue(
          relayed.reasons().get(0).contains("requests into such templates counted"),
          relayed.reasons().get(0));
    }
  }

  /** A restart keeps the counts, so that a restored detector does not judge on the hits alone. */
  @Test
  void aSnapshotKeepsTheCountsOfRequestsIntoCoordinatedTemplates(@TempDir Path dir)
      throws IOException {
    List<TraceRecord> all = TenureTest.sorted(TenureTest.regulars(5, 200, 4), traffic(12));
    long cut = START + 3 * DAY;
    Path file = dir.resolve("detector.state");
    try (Detector a = Detector.builder().build();
        Detector b = Detector.builder().build()) {
      all.stream().filter(x -> x.ts() < cut).forEach(a::observe);
      AccountState before = a.accounts.getIfPresent("product");
      assertNotNull(before);
      assertTrue(
          before.templateRequests >= 20, "requests into templates: " + before.templateRequests);
      a.snapshot(file);
      b.restore(file);
      AccountState after = b.accounts.getIfPresent("product");
      assertNotNull(after);
      assertEquals(before.templateRequests, after.templateRequests);
      assertEquals(before.templateCounted, after.templateCounted);
      assertEquals(before.groupHits, after.groupHits);
      all.stream().filter(x -> x.ts() >= cut).forEach(b::observe);
      Verdict product = b.verdict("product");
      assertNotNull(product);
      assertTrue(!product.flagged(), "after a restart: " + product.reasons());
    }
  }

  @Test
  void aSnapshotWithMoreCountedThanSentIsRefusedNamingBoth() throws IOException {
    AccountState s = new AccountState("acct-7");
    s.templateRequests = 3;
    s.templateCounted = 5;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.write(new DataOutputStream(bytes), DetectorState.VERSION);
    AccountState back = new AccountState("acct-7");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                back.read(
                    new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
                    DetectorState.VERSION));
    assertTrue(e.getMessage().contains("acct-7"), e.getMessage());
    assertTrue(e.getMessage().contains("5 counted of 3 requests"), e.getMessage());
  }

  @Test
  void theSamePromptAgainCountsNeitherWay() {
    AccountState s = new AccountState("a");
    s.countTemplate(1, 42);
    s.countTemplate(1, 42); // a regeneration
    s.countTemplate(0, 42);
    assertEquals(1, s.groupHits);
    assertEquals(1, s.templateRequests);
    s.countTemplate(0, 43);
    s.countTemplate(0, 44);
    s.countTemplate(1, 45);
    assertEquals(2, s.groupHits);
    assertEquals(4, s.templateRequests);
    assertTrue(s.groupFlags(), "2 counted of 4: half");
    for (int i = 0; i < 5; i++) {
      s.countTemplate(0, 100 + i);
    }
    assertTrue(!s.groupFlags(), "2 counted of 9: less than a quarter");
    s.templateRequests = AccountState.TEMPLATE_CAP; // counting stops: nothing overflows
    s.countTemplate(2, 200);
    assertEquals(AccountState.TEMPLATE_CAP, s.templateRequests);
    assertEquals(2, s.groupHits);
  }
}
