package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PromptScanTest {
  private static final String[] PIECES = {
    "Write",
    "a",
    "Python",
    "function",
    "that",
    "sorts",
    "37",
    "3.14.1",
    "integers",
    "'asc'",
    "\"quoted text\"",
    "`code`",
    "it's",
    "don't",
    "https://example.com/a?b=1",
    "ops@example.com",
    "a1b2c3d4e5f6a7b8c9d0",
    "Think",
    "step",
    "by",
    "step.",
    "<thinking>",
    "tools:",
    "?!",
    "...",
    "Ünïcödé",
    "naïve",
    "ＡＢＣ",
    "٣٤",
    "x\u2028y",
    "\t",
    "\n",
    "  ",
    "o(1)",
    "v12",
    "snake_case",
    "kebab-case",
    "Plan:",
    "roadmap,",
    "You",
    "are",
    "an",
    "expert",
    "```",
    "{",
    "};",
    "@",
    "'"
  };

  /** The one-pass scan yields exactly the words, hashes and cues of scanning the skeleton. */
  @Test
  void onePassScanMatchesTheSkeletonWordForWord() {
    SplittableRandom r = new SplittableRandom(7);
    PromptScan scan = new PromptScan();
    for (int trial = 0; trial < 20_000; trial++) {
      StringBuilder b = new StringBuilder();
      int n = r.nextInt(1, 40);
      for (int i = 0; i < n; i++) {
        b.append(PIECES[r.nextInt(PIECES.length)]);
        b.append(r.nextInt(4) == 0 ? "" : r.nextInt(5) == 0 ? "\n" : " ");
      }
      String text = b.toString();
      int max = r.nextInt(4) == 0 ? r.nextInt(1, 200) : 2000;
      assertScansAsTheSkeleton(scan, text, max);
    }
  }

  /**
   * Quotes closed 199, 200 or 201 characters later, or just at or past the scan's end, and a "://"
   * that starts at or straddles the end: the one-pass scan reads a bounded buffer (the first {@code
   * maxChars + 2} characters) where the skeleton searches the whole text, and both give the same.
   */
  @Test
  void quotesAndUrlsAtTheScanLimitsMatchTheSkeleton() {
    SplittableRandom r = new SplittableRandom(20261204);
    PromptScan scan = new PromptScan();
    String filler = "lorem ipsum dolor sit amet ".repeat(20); // 540 characters, no quote
    for (int trial = 0; trial < 5_000; trial++) {
      StringBuilder b = new StringBuilder(filler.substring(0, r.nextInt(1, 60)));
      char q = "\"'`".charAt(r.nextInt(3));
      int open = b.length();
      b.append(q).append(filler, 0, 197 + r.nextInt(6)).append(q); // closed 198 to 203 later
      if (r.nextBoolean()) {
        b.append(" word").append(q).append(" more ").append(q); // an apostrophe-like pair
      }
      int cut = b.length() + r.nextInt(-4, 4);
      b.append(" x").append(r.nextBoolean() ? "://y.z" : ":/ /").append(filler, 0, r.nextInt(300));
      String text = b.toString();
      int max =
          switch (r.nextInt(4)) {
            case 0 -> Math.max(1, cut);
            case 1 -> Math.max(1, open + r.nextInt(-2, 205));
            case 2 -> Math.max(1, text.indexOf(':', open) + r.nextInt(-3, 3));
            default -> 2000;
          };
      assertScansAsTheSkeleton(scan, text, max);
    }
  }

  /** {@code scan} of {@code text} gives the words, hashes, cues and code flag of its skeleton. */
  private static void assertScansAsTheSkeleton(PromptScan scan, String text, int max) {
    PromptScan.Result want = PromptScan.scan(PromptSkeleton.of(text, max), text);
    scan.scan(text, max);
    assertEquals(want.count(), scan.count, text);
    assertArrayEquals(
        Arrays.copyOf(want.words(), want.count()), Arrays.copyOf(scan.words, scan.count), text);
    assertEquals(want.cues(), scan.cues, text);
    assertEquals(want.codeAttached(), scan.codeAttached, text);
  }

  @Test
  void cuesNameWhatADistillerAsksFor() {
    PromptScan s = new PromptScan();
    s.scan("Explain your reasoning step by step, then implement the parser in Rust.", 2000);
    assertTrue((s.cues & PromptScan.COT) != 0);
    assertTrue((s.cues & PromptScan.SOFTWARE) != 0);
    assertFalse((s.cues & PromptScan.PLANNING) != 0);
    s.scan("You are an autonomous agent with a shell tool. Draft a roadmap.", 2000);
    assertEquals(PromptScan.PERSONA | PromptScan.AGENTIC | PromptScan.PLANNING, s.cues);
    s.scan("What should I cook tonight?", 2000);
    assertEquals(0, s.cues);
    assertFalse(s.codeAttached);
    s.scan("Fix this:\nint a = f(x);\nint b = g(a);\nreturn h(b);\n", 2000);
    assertTrue(s.codeAttached);
    for (String t : List.of("Here:\n```\nx\n```", "```py")) {
      s.scan(t, 2000);
      assertTrue(s.codeAttached, t);
    }
  }

  /**
   * Requests for reasoning in other words than "step by step" (session 40): each of these was read
   * as not eliciting before, and the person's question beside each is still not.
   */
  @Test
  void otherWaysOfAskingForTheReasoningAreCues() {
    PromptScan s = new PromptScan();
    for (String t :
        List.of(
            "Find the eigenvalues of [[4, 1], [1, 4]]. Explain your full thought process.",
            "Solve this carefully, showing every intermediate step: 3x + 4 = 19",
            "Implement a ring buffer in Go. Walk through your design decisions first.",
            "Plan the migration one step at a time, with the reasons for each.")) {
      s.scan(t, 2000);
      assertTrue((s.cues & PromptScan.COT) != 0, t);
      assertScansAsTheSkeleton(s, t, 2000);
    }
    for (String t :
        List.of(
            "What was the thought behind the new logo?",
            "We took a walk through the old town, then had lunch.",
            "Translate this step into French: add the flour.")) {
      s.scan(t, 2000);
      assertEquals(0, s.cues & PromptScan.COT, t);
    }
  }

  /** A document's sentences: business words that are cues, and nothing that asks. */
  private static final String DOCUMENT =
      "The quarterly numbers came in slightly below our forecast, mostly because of delays in the"
          + " northern region. The committee agreed on a plan and a timeline for the new branch."
          + " Attendance at the weekend market has doubled since the organisers added food stalls.";

  /**
   * Asks (session 42): the eliciting cues where a prompt asks, at its start or its end, not in the
   * document, transcript or passages it pastes between them, nor in a line's label. Before, every
   * cue of the scan counted: a support bot's retrieved passages ("quarterly", "plan") and a call
   * transcript's speakers ("Agent:") read as asking for plans or agent traces.
   */
  @Test
  void asksAreWhereAPromptAsksNotInWhatItPastes() {
    PromptScan s = new PromptScan();
    String instruction = "Use only the context below to answer the customer's question.\n\n";
    s.scan(
        instruction + "Context:\n" + DOCUMENT + "\n\n" + DOCUMENT + "\n\nCan I pay by card?", 2000);
    assertEquals(PromptScan.PLANNING, s.cues & PromptScan.ELICITING);
    assertEquals(0, s.asks);
    s.scan(instruction + DOCUMENT + "\n\nWalk me through it step by step.", 2000);
    assertEquals(PromptScan.COT, s.asks);
    s.scan("Think step by step about what went wrong.\n\n" + DOCUMENT + "\n\nThanks!", 2000);
    assertEquals(PromptScan.COT, s.asks);
    // What it cannot tell apart: a document that ends the prompt is read as its ask, in its last
    // words (here "plan" and "timeline"), as a translation pipeline's pasted article is.
    s.scan("Translate the following article into French.\n\n" + DOCUMENT, 2000);
    assertEquals(PromptScan.PLANNING, s.asks);
    // A first paragraph's ask counts in its first words only: here the cue is its 33rd word.
    s.scan(
        "one two three four five six seven eight nine ten ".repeat(3)
            + "a b then plan it.\n\n"
            + DOCUMENT
            + "\n\nThanks!",
        2000);
    assertEquals(0, s.asks);
    // A transcript's speakers are labels.
    s.scan(
        "Summarize this call in 3 bullet points.\n\nTranscript:\nAgent: Hello.\nCustomer: Hi."
            + "\nAgent: Your refund is on its way.",
        2000);
    assertEquals(PromptScan.AGENTIC, s.cues & PromptScan.ELICITING);
    assertEquals(0, s.asks);
    // A short request asks with every word.
    s.scan("You are an autonomous agent with a shell tool. Draft a roadmap.", 2000);
    assertEquals(PromptScan.AGENTIC | PromptScan.PLANNING, s.asks);
  }

  /**
   * A prompt longer than the scan: its end is read for the ask (a document, then what to do with
   * it), and nothing in its middle asks.
   */
  @Test
  void aLongPromptsAskIsReadAtItsEnd() {
    PromptScan s = new PromptScan();
    String pasted = (DOCUMENT + "\n\n").repeat(12); // about 3,000 characters
    s.scan("Here is our report.\n\n" + pasted + "Explain your reasoning step by step.", 2000);
    assertEquals(0, s.cues & PromptScan.COT, "beyond the scan's 2,000 characters");
    assertEquals(PromptScan.COT, s.asks);
    s.scan("Here is our report.\n\n" + pasted + "Which branch did best?", 2000);
    assertEquals(0, s.asks);
    // The buffer grows for the end's characters when the scan is shorter than them.
    s.scan("Here is our report.\n\n" + pasted + "Explain your reasoning step by step.", 100);
    assertEquals(PromptScan.COT, s.asks);
  }

  /**
   * Asks are a subset of the scan's eliciting cues when the prompt fits the scan, and all of them
   * when it is one line of at most {@link PromptScan#ASK_WORDS} words with no label.
   */
  @Test
  void asksAreTheCuesOfAShortLine() {
    SplittableRandom r = new SplittableRandom(42);
    PromptScan s = new PromptScan();
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = 1 + r.nextInt(15);
      boolean line = r.nextBoolean();
      for (int k = 0; k < n; k++) {
        String piece = PIECES[r.nextInt(PIECES.length)];
        if (line && (piece.contains("\n") || piece.endsWith(":"))) {
          continue;
        }
        b.append(piece).append(r.nextBoolean() ? " " : "  ");
      }
      String t = b.toString();
      s.scan(t, 2000);
      assertEquals(0, s.asks & ~(s.cues & PromptScan.ELICITING), t);
      if (line) {
        assertEquals(s.cues & PromptScan.ELICITING, s.asks, t);
      }
    }
  }
}
