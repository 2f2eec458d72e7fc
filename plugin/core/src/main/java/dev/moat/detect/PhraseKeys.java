package dev.moat.detect;

/**
 * What a prompt asks about, as a few link keys that survive paraphrase: the pairs of adjacent
 * content words (function words, greetings, politeness and the words that ask for reasoning left
 * out, so "could you build me a webhook delivery service" and "looking for a webhook delivery
 * service" share "webhook delivery" and "delivery service"), of which the {@link #MAX} with the
 * smallest hashes are kept (bottom-k sampling: a pair is kept wherever it is among its prompt's
 * smallest, so two prompts sharing many pairs share kept ones).
 *
 * <p>A campaign that rewrites every request in its own words still asks for what its campaign asks
 * for: the detector reads these keys as buckets beside the template bands ({@link AccountJudge}),
 * and a pair that flagged accounts dominate links the paraphrasing accounts that use it to the
 * campaign they work for.
 *
 * <p>Not thread-safe: one per {@link PromptScan}. Allocates nothing per word.
 */
final class PhraseKeys {
  /** Keys kept per prompt. */
  static final int MAX = 4;

  /** Words shorter than this are not content. */
  static final int MIN_LENGTH = 3;

  private static final long SALT = 0x7F4A7C159E3779B9L;

  // Function words, openings, politeness, request verbs, and the words of reasoning asks (those
  // are their own signal, the cue): what two people share whatever they ask about.
  private static final String[] FRAMING = {
    "the",
    "and",
    "for",
    "with",
    "that",
    "this",
    "you",
    "your",
    "can",
    "could",
    "would",
    "should",
    "will",
    "does",
    "how",
    "what",
    "why",
    "which",
    "when",
    "where",
    "who",
    "please",
    "want",
    "need",
    "help",
    "give",
    "show",
    "write",
    "make",
    "get",
    "let",
    "like",
    "just",
    "some",
    "any",
    "into",
    "from",
    "about",
    "then",
    "than",
    "not",
    "but",
    "also",
    "all",
    "each",
    "more",
    "most",
    "very",
    "really",
    "here",
    "there",
    "hey",
    "hello",
    "thanks",
    "thank",
    "thx",
    "are",
    "its",
    "our",
    "has",
    "have",
    "had",
    "was",
    "were",
    "been",
    "being",
    "them",
    "they",
    "their",
    "these",
    "those",
    "one",
    "out",
    "use",
    "using",
    "don't",
    "can't",
    "i'm",
    "i've",
    "i'd",
    "think",
    "thinking",
    "step",
    "steps",
    "reason",
    "reasoning",
    "reasons",
    "answer",
    "answering",
    "chain",
    "thought",
    "thoughts",
    "explain",
    "justify",
    "rationale",
    "step-by-step",
    "detail",
    "detailed",
    "full",
    "complete",
    "final",
    "first",
    "before",
    "after",
    "every",
    "way",
  };

  private static final long[] SET;
  private static final int SET_MASK;

  static {
    int size = Integer.highestOneBit(FRAMING.length * 4 - 1) << 1;
    SET = new long[size];
    SET_MASK = size - 1;
    for (String w : FRAMING) {
      long h = MinHash.wordHash(w, 0, w.length());
      int slot = (int) h & SET_MASK;
      while (SET[slot] != 0 && SET[slot] != h) {
        slot = (slot + 1) & SET_MASK;
      }
      SET[slot] = h;
    }
  }

  /** The kept keys, ascending; the first {@link #count} are valid. */
  final long[] keys = new long[MAX];

  /** Keys kept from the last prompt. */
  int count;

  private long previous;

  /** Starts a prompt. */
  void reset() {
    count = 0;
    previous = 0;
  }

  /**
   * One word of the prompt, in order.
   *
   * @param hash the word's hash without trailing punctuation ({@link MinHash#wordHash})
   * @param length its length in characters
   * @param letter whether it starts with a letter (numbers and placeholders are not content)
   */
  void word(long hash, int length, boolean letter) {
    if (!letter || length < MIN_LENGTH || framing(hash)) {
      return;
    }
    if (previous != 0) {
      offer(MinHash.mix(previous * 0x9E3779B97F4A7C15L + hash) ^ SALT);
    }
    previous = hash;
  }

  /** Whether {@code hash} is a framing word. */
  static boolean framing(long hash) {
    int slot = (int) hash & SET_MASK;
    long k;
    while ((k = SET[slot]) != 0) {
      if (k == hash) {
        return true;
      }
      slot = (slot + 1) & SET_MASK;
    }
    return false;
  }

  private void offer(long key) {
    if (key == 0) {
      return;
    }
    int n = count;
    if (n == MAX && key >= keys[MAX - 1]) {
      return;
    }
    int i = n;
    while (i > 0 && keys[i - 1] > key) {
      i--;
    }
    if (i > 0 && keys[i - 1] == key) {
      return; // already kept
    }
    int end = n == MAX ? MAX - 1 : n;
    System.arraycopy(keys, i, keys, i + 1, end - i);
    keys[i] = key;
    count = n == MAX ? MAX : n + 1;
  }
}
