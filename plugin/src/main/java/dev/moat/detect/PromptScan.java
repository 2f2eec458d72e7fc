package dev.moat.detect;

import java.util.Arrays;

/**
 * One pass over a prompt's skeleton: the word hashes (for MinHash), the word count, and cue flags
 * from a fixed vocabulary of words and word pairs: chain-of-thought elicitation, software
 * engineering, agentic tool use, planning, and role-play personas. The vocabulary names what a
 * distiller asks for (reasoning traces on coding, agent and planning tasks), not any one template's
 * wording, so paraphrases and other templates carry the same cues.
 *
 * <p>Immutable after construction; {@link #scan} is thread-safe and allocates its result only.
 */
final class PromptScan {
  static final int COT = 1;
  static final int SOFTWARE = 2;
  static final int AGENTIC = 4;
  static final int PLANNING = 8;
  static final int PERSONA = 16;

  /** What a scan found. */
  record Result(long[] words, int count, int cues, boolean codeAttached) {}

  private static final String[][] VOCABULARY = {
    // chain-of-thought elicitation: single words and pairs ("step by step" is "by step")
    {
      "cot",
      "reasoning",
      "step-by-step",
      "by step",
      "thinking",
      "<thinking>",
      "think through",
      "chain-of-thought",
      "of thought",
      "your work",
      "every step",
      "walk me",
      "rationale",
      "explain why",
      "your thinking",
      "reason through",
      "intermediate steps",
      "scratchpad"
    },
    {
      "software",
      "implement",
      "function",
      "code",
      "algorithm",
      "refactor",
      "bug",
      "debug",
      "api",
      "class",
      "test",
      "tests",
      "query",
      "sql",
      "schema",
      "parser",
      "cache",
      "thread-safe",
      "compile",
      "python",
      "java",
      "rust",
      "typescript",
      "c++",
      "kotlin",
      "c#",
      "ruby",
      "scala",
      "javascript",
      "regex",
      "database",
      "repository",
      "grpc",
      "rest",
      "orm",
      "cli",
      "queue",
      "concurrency",
      "race condition",
      "memory leak",
      "pull request",
      "unit tests",
      "data structure"
    },
    {
      "agentic",
      "tool",
      "tools",
      "agent",
      "autonomous",
      "execute",
      "shell",
      "browser",
      "tool calls",
      "call tools",
      "calling tools",
      "function calls",
      "run(cmd)",
      "search(query)",
      "the steps"
    },
    {
      "planning",
      "plan",
      "roadmap",
      "curriculum",
      "strategy",
      "milestones",
      "timeline",
      "project plan",
      "multi-quarter",
      "six-month",
      "quarterly",
      "migration plan"
    },
    {"persona", "you are", "act as", "world-class", "expert", "pretend", "role of"}
  };

  private static final int[] CUE = {COT, SOFTWARE, AGENTIC, PLANNING, PERSONA};
  private static final long[] KEYS;
  private static final int[] FLAGS;
  private static final int MASK;

  static {
    int entries = 0;
    for (String[] group : VOCABULARY) {
      entries += group.length - 1;
    }
    int size = Integer.highestOneBit(entries * 4 - 1) << 1;
    KEYS = new long[size];
    FLAGS = new int[size];
    MASK = size - 1;
    for (int g = 0; g < VOCABULARY.length; g++) {
      for (int i = 1; i < VOCABULARY[g].length; i++) {
        String term = VOCABULARY[g][i];
        int space = term.indexOf(' ');
        long key =
            space < 0
                ? MinHash.wordHash(term, 0, term.length())
                : pair(
                    MinHash.wordHash(term, 0, space),
                    MinHash.wordHash(term, space + 1, term.length()));
        int slot = (int) key & MASK;
        while (FLAGS[slot] != 0 && KEYS[slot] != key) {
          slot = (slot + 1) & MASK;
        }
        KEYS[slot] = key;
        FLAGS[slot] |= CUE[g];
      }
    }
  }

  private PromptScan() {}

  /**
   * Scans a skeleton ({@link PromptSkeleton}); {@code raw} is the prompt itself, checked for
   * attached code.
   */
  static Result scan(String skeleton, String raw) {
    long[] words = new long[32];
    int count = 0;
    int cues = 0;
    long previous = 0;
    int n = skeleton.length();
    int start = 0;
    for (int i = 0; i <= n; i++) {
      if (i == n || skeleton.charAt(i) == ' ') {
        if (i > start) {
          long h = MinHash.wordHash(skeleton, start, i);
          if (count == words.length) {
            words = Arrays.copyOf(words, count * 2);
          }
          words[count++] = h;
          // Cue words are matched without trailing punctuation ("code:" is "code").
          int end = i;
          while (end > start + 1 && isTrailingPunctuation(skeleton.charAt(end - 1))) {
            end--;
          }
          long bare = end == i ? h : MinHash.wordHash(skeleton, start, end);
          cues |= lookup(bare);
          if (previous != 0) {
            cues |= lookup(pair(previous, bare));
          }
          previous = bare;
        }
        start = i + 1;
      }
    }
    return new Result(words, count, cues, hasCode(raw));
  }

  private static boolean isTrailingPunctuation(char c) {
    return c == ',' || c == '.' || c == ':' || c == ';' || c == '?' || c == '!' || c == ')';
  }

  private static int lookup(long key) {
    int slot = (int) key & MASK;
    while (FLAGS[slot] != 0) {
      if (KEYS[slot] == key) {
        return FLAGS[slot];
      }
      slot = (slot + 1) & MASK;
    }
    return 0;
  }

  private static long pair(long a, long b) {
    return MinHash.mix(a * 31 + b);
  }

  /** A fenced block, or three or more lines ending like code. */
  private static boolean hasCode(String raw) {
    if (raw.contains("```")) {
      return true;
    }
    int codeLines = 0;
    int n = raw.length();
    for (int i = 0; i < n; i++) {
      if (raw.charAt(i) == '\n' && i > 0) {
        char c = raw.charAt(i - 1);
        if (c == ';' || c == '{' || c == '}' || c == ')') {
          codeLines++;
        }
      }
    }
    return codeLines >= 3;
  }
}
