package dev.moat.detect;

/**
 * Where a prompt asks ({@link PromptScan#asks}): the eliciting cues of the first {@link
 * PromptScan#ASK_WORDS} words of its first paragraph, and of its end, fed word by word. The end is
 * its last {@link PromptScan#ASK_WORDS} words if its last paragraph is as long, else the whole
 * paragraphs at its end that fit: a question after a pasted document is its own paragraph, and the
 * document is not read into it. O(1) state a word, no allocation.
 *
 * <p>Not thread-safe: one per {@link PromptScan}.
 */
final class AskWindow {
  private static final int WORDS = PromptScan.ASK_WORDS;

  private boolean head;
  private int words;
  private int headCues;
  private int lastCot;
  private int lastPlanning;
  private int lastAgentic;
  // The first word of each paragraph (a ring: only those within the last WORDS words matter).
  private final int[] paragraphs = new int[2 * WORDS];
  private int paragraphCount;

  /** Starts over: at a text's start ({@code start}), or within a line (no first paragraph). */
  void reset(boolean start) {
    head = start;
    words = 0;
    headCues = 0;
    lastCot = Integer.MIN_VALUE;
    lastPlanning = Integer.MIN_VALUE;
    lastAgentic = Integer.MIN_VALUE;
    paragraphCount = 0;
  }

  /**
   * The next word, its eliciting cues {@code cues} (none for a label), after {@code newlines} line
   * breaks (two or more: a new paragraph).
   */
  void word(int cues, int newlines) {
    if (newlines >= 2 || words == 0) {
      head &= words == 0;
      paragraphs[paragraphCount++ & (paragraphs.length - 1)] = words;
    }
    if (cues != 0) {
      if (head && words < WORDS) {
        headCues |= cues;
      }
      lastCot = (cues & PromptScan.COT) != 0 ? words : lastCot;
      lastPlanning = (cues & PromptScan.PLANNING) != 0 ? words : lastPlanning;
      lastAgentic = (cues & PromptScan.AGENTIC) != 0 ? words : lastAgentic;
    }
    words++;
  }

  /** The first paragraph's asks. */
  int head() {
    return headCues;
  }

  /** The end's asks. */
  int tail() {
    int from = words - WORDS;
    int mask = paragraphs.length - 1;
    if (paragraphCount > 0 && paragraphs[(paragraphCount - 1) & mask] > from) {
      int start = paragraphs[(paragraphCount - 1) & mask];
      for (int p = paragraphCount - 2; p >= 0 && p >= paragraphCount - paragraphs.length; p--) {
        int first = paragraphs[p & mask];
        if (first < from) {
          break;
        }
        start = first;
      }
      from = start;
    }
    return (lastCot >= from ? PromptScan.COT : 0)
        | (lastPlanning >= from ? PromptScan.PLANNING : 0)
        | (lastAgentic >= from ? PromptScan.AGENTIC : 0);
  }
}
