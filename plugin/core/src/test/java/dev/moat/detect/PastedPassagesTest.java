package dev.moat.detect;

import static dev.moat.detect.DetectorTest.DAY;
import static dev.moat.detect.DetectorTest.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * People who paste a paragraph that a campaign on aged accounts also pastes: their requests land in
 * the campaign's band buckets (a prompt that is mostly a pasted paragraph is keyed by it), but they
 * ask for an edit, not for reasoning, so they are not part of its sweep.
 */
class PastedPassagesTest {
  static final String[] OPENINGS = {
    "The committee recommends increasing the budget for maintenance rather than buying new"
        + " equipment this year.",
    "Local farmers say the late frost damaged a large share of this season's apple harvest.",
    "The museum's new wing focuses on textiles and everyday objects from the last two centuries.",
    "Customers have been asking for a simpler way to export their data to spreadsheets.",
    "The experiment was repeated five times and the results were consistent within two percent.",
    "Several volunteers mentioned that the sign-up form was confusing on small phone screens.",
    "Management has asked every team to reduce travel spending until the end of the quarter.",
    "She spent the summer interviewing fishermen about how the coastline has changed."
  };

  static final String[] MIDDLES = {
    "Critics argue that the proposal shifts costs onto smaller towns without asking them first.",
    "A pilot in three districts found that attendance rose once the schedule was published early.",
    "The report notes that most of the delays came from suppliers rather than from the staff.",
    "Residents were invited to comment at two public meetings held in the library.",
    "An independent review will look at whether the savings are real or only postponed.",
    "Two earlier attempts failed because nobody owned the follow-up after the launch.",
    "Surveys show that younger users care more about speed than about new features.",
    "The board expects a final decision after the spring audit is complete."
  };

  static final String[] ENDINGS = {
    "If the pilot succeeds, the program will be rolled out to the remaining branches next year.",
    "Until then, the old process stays in place and nothing changes for current members.",
    "The full data set will be published online together with the methods used.",
    "Questions can be sent to the project office, which answers within a week.",
    "The authors caution that a single season is too short to draw firm conclusions.",
    "Funding for the second phase has not yet been confirmed by the regional council.",
    "A summary in plain language is available at the front desk of every branch.",
    "Everyone involved agreed to meet again once the first results are in."
  };

  /** One of 512 paragraphs. */
  static String passage(int n) {
    return OPENINGS[n % 8] + " " + MIDDLES[(n / 8) % 8] + " " + ENDINGS[(n / 64) % 8];
  }

  /**
   * 40 aged accounts (400 days) sweeping the paragraphs with a request for reasoning, each for two
   * days about an hour apart (a campaign hiding among people), and {@code readers} aged people (300
   * days) who over six days ask everyday questions and, three times in four, paste one of the same
   * paragraphs under {@code ask} (at most sixteen times each).
   */
  static List<TraceRecord> traffic(int readers, String ask) {
    return traffic(readers, ask, "");
  }

  /** The same, each pasted paragraph opened by {@code lead}. */
  static List<TraceRecord> traffic(int readers, String ask, String lead) {
    SplittableRandom r = new SplittableRandom(7);
    List<TraceRecord> out =
        new ArrayList<>(
            NullModelTest.agedSweep(
                false, n -> "Think step by step about this:\n\n" + passage((n * 37) % 512)));
    for (int a = 0; a < readers; a++) {
      String account = "reader-" + a;
      long created = START - 300 * DAY;
      int pasted = 0;
      int turn = 0;
      for (long t = START + r.nextLong(DAY / 2);
          t < START + 6 * DAY;
          t += (long) (r.nextDouble(2, 8) * 3_600_000)) {
        TraceRecord chat = TenureTest.chat(r, t, account, turn++ % 4);
        boolean paste = pasted < 16 && r.nextInt(4) != 0;
        String prompt = paste ? ask + "\n\n" + lead + passage(r.nextInt(512)) : chat.prompt();
        pasted += paste ? 1 : 0;
        out.add(
            new TraceRecord(
                t,
                account,
                created,
                "free",
                "203.0." + (a % 200) + ".0/24",
                null,
                0,
                null,
                prompt,
                1024,
                0.7,
                0,
                300));
      }
    }
    out.sort(Comparator.comparingLong(TraceRecord::ts));
    return out;
  }

  @Test
  void peopleWhoPasteACampaignsParagraphsForAnEditAreNotFlagged() {
    List<TraceRecord> people = TenureTest.regulars(5, 200, 4);
    try (Detector d = Detector.builder().build();
        Detector control = Detector.builder().build()) {
      TenureTest.sorted(people, traffic(60, "proofread this:")).forEach(d::observe);
      long caught = TenureTest.flagged(d, "aged-");
      assertTrue(caught >= 30, "the campaign: flagged " + caught + " of 40");
      // Their edits land in the campaign's buckets, some as an aged sweep's: without the rule that
      // a request that does not elicit counts nothing there, 2 of the 60 were flagged.
      assertEquals(0, TenureTest.flagged(d, "reader-"), "readers asking for an edit");
      assertEquals(0, TenureTest.flagged(d, "person-"));
      // The control: the same readers asking for reasoning about the paragraphs are in the sweep
      // (up to sixteen eliciting requests each, at a person's pace, on aged accounts).
      TenureTest.sorted(people, traffic(60, "Think step by step about this:"))
          .forEach(control::observe);
      long readers = TenureTest.flagged(control, "reader-");
      assertTrue(readers >= 30, "readers asking for reasoning: flagged " + readers + " of 60");
    }
  }

  /**
   * The readers' pasted paragraphs open with words that are cues ("quarterly", "plan", "timeline"),
   * under a request for an edit: what they paste is not what they ask (PromptScan.asks, session
   * 42). Before, every cue of a prompt counted, and such requests were eliciting ones in the
   * campaign's sweep.
   */
  @Test
  void cueWordsInAPastedParagraphAreNotAnAsk() {
    List<TraceRecord> people = TenureTest.regulars(5, 200, 4);
    try (Detector d = Detector.builder().build()) {
      TenureTest.sorted(
              people, traffic(60, "proofread this:", "Our quarterly plan sets the timeline. "))
          .forEach(d::observe);
      assertTrue(TenureTest.flagged(d, "aged-") >= 30);
      assertEquals(0, TenureTest.flagged(d, "reader-"), "readers asking for an edit");
      assertEquals(0, TenureTest.flagged(d, "person-"));
    }
  }
}
