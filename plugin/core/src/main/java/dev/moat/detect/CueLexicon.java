package dev.moat.detect;

/**
 * The cue vocabulary {@link PromptScan} matches words and word pairs against: chain-of-thought
 * elicitation, software engineering, agentic tool use, planning and role-play personas, each
 * group's first entry its name. What a distiller asks for (reasoning traces on coding, agent and
 * planning tasks), not any one template's wording. Pairs are matched as adjacent words without
 * trailing punctuation ("step by step" is "by step").
 *
 * <p>Thread-safe: immutable after class initialisation.
 */
final class CueLexicon {
  private CueLexicon() {}

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
      "scratchpad",
      "justify",
      "it through",
      "out loud",
      "explain yourself",
      "explain each",
      "the why",
      "the logic",
      "logic behind",
      "reason about",
      // since 2026-12-06 (session 40): other ways of asking for it (plugin README, "Other ways of
      // asking for the reasoning"); "through your" is "walk/talk through your design"
      "thought process",
      "intermediate step",
      "through your",
      "step at"
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

  private static final int[] CUE = {
    PromptScan.COT, PromptScan.SOFTWARE, PromptScan.AGENTIC, PromptScan.PLANNING, PromptScan.PERSONA
  };
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

  static int lookup(long key) {
    int slot = (int) key & MASK;
    while (FLAGS[slot] != 0) {
      if (KEYS[slot] == key) {
        return FLAGS[slot];
      }
      slot = (slot + 1) & MASK;
    }
    return 0;
  }

  static long pair(long a, long b) {
    return MinHash.mix(a * 31 + b);
  }
}
