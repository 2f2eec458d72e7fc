package dev.moat.research.sim;

import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The words of simulated traffic: prompts, system prompts and sampling settings per kind of
 * account. Benign prompts are varied by construction (topics crossed with phrasings and fillers);
 * the campaigns' are templates swept over software engineering, agentic and planning tasks, with
 * the stealthy ones paraphrased and mixed with chatter. Immutable after construction; the random
 * stream is the caller's.
 */
public final class Prompts {
  /** One request's content and settings. */
  record Prompt(
      String tier,
      @Nullable String system,
      String user,
      int maxTokens,
      double temperature,
      int topLogprobs) {}

  static final String[] LANGUAGES = {
    "Python", "Java", "Go", "Rust", "TypeScript", "C++", "Kotlin", "C#", "Ruby", "Scala"
  };
  static final String[] SE_TASKS = {
    "implement an LRU cache with O(1) operations",
    "write a thread-safe bounded queue",
    "refactor a 2,000-line class into modules",
    "find the race condition in this worker pool",
    "design a rate limiter for a public API",
    "write property-based tests for a date parser",
    "migrate a REST service to gRPC",
    "fix a memory leak in a long-running daemon",
    "implement a trie with prefix search",
    "write a SQL query for the top customers per region",
    "build a CLI that syncs two directories",
    "implement Dijkstra's algorithm on a sparse graph",
    "review this pull request for security issues",
    "write a parser for a small expression language",
    "design the schema for a multi-tenant billing system",
    "optimise a slow N+1 query in an ORM"
  };
  static final String[] AGENT_TASKS = {
    "You have tools search(query), read_file(path), run(cmd). Find and fix the failing test.",
    "Using the browser tool, book the cheapest flight that meets the constraints below.",
    "Plan and execute the steps to upgrade the project's dependencies, calling tools as needed.",
    "You are an agent with a shell. Set up CI for this repository and report each command.",
    "Given the API below, write the sequence of tool calls to reconcile the two ledgers.",
    "Act as an autonomous coding agent: clone, build, reproduce the bug, patch, and verify."
  };
  static final String[] PLAN_TASKS = {
    "a six-month roadmap to migrate a monolith to services",
    "a launch plan for a mobile app across three markets",
    "a 12-week curriculum to learn distributed systems",
    "the project plan for building a data warehouse",
    "a disaster-recovery plan for a payments platform",
    "a multi-quarter plan to cut cloud costs by 30%"
  };
  static final String[] EVERYDAY = {
    "a vegetarian lasagna",
    "a weekend in Lisbon",
    "my cover letter",
    "a birthday message for my aunt",
    "how tides work",
    "the plot of Hamlet",
    "a workout for beginners",
    "fixing a squeaky door",
    "what to plant in autumn",
    "explaining inflation to a teenager",
    "a good name for a cat",
    "whether to rent or buy",
    "the rules of cricket",
    "a thank-you email to my team",
    "why the sky is blue",
    "a packing list for camping",
    "a poem about the sea",
    "how to negotiate a raise",
    "the difference between baking soda and powder",
    "a toast for a wedding"
  };
  static final String[] EVERYDAY_ASK = {
    "Can you help me with %s?", "What do you think about %s?", "Give me ideas for %s.",
    "I need help with %s, please.", "Quick question about %s.", "How would you approach %s?",
    "Tell me about %s.", "Write something short about %s."
  };
  static final String DEV_SYSTEM =
      "You are CodePilot, an AI pair programmer inside the user's IDE. Follow the user's coding"
          + " conventions, prefer minimal diffs, explain changes briefly, never invent APIs, and when"
          + " tools are available call them with valid JSON arguments. Current workspace language"
          + " servers: java, python, typescript.";
  static final String APP_SYSTEM =
      "You are the support assistant of Acme Telecom. Summarise the ticket, classify its urgency"
          + " (low, medium, high) and draft a polite reply. Answer in JSON with keys summary, urgency,"
          + " reply.";
  static final String[] CHATTER = {
    "thanks!",
    "ok that makes sense",
    "hello",
    "can you say that more simply?",
    "nice, one more thing",
    "what's the weather like where you are?",
    "lol",
    "great, and in French?"
  };
  static final String[] PARAPHRASE_OPEN = {
    "I'm stuck on something:", "Could you walk me through how to", "Hey, how would you",
        "My team needs to",
    "I've been trying to", "Need a hand:", "What's the cleanest way to", "Help me"
  };
  static final String[] PARAPHRASE_CLOSE = {
    "",
    " Please be thorough.",
    " Explain your thinking as you go.",
    " Include the complete code.",
    " I want to understand every step.",
    " Be detailed."
  };

  private final String[] customers;

  Prompts(SplittableRandom r) {
    customers = new String[64];
    for (int i = 0; i < customers.length; i++) {
      customers[i] = "customer " + (10_000 + r.nextInt(90_000));
    }
  }

  Prompt next(Population.Kind kind, SplittableRandom r, int sweep, int turn) {
    return switch (kind) {
      case CASUAL, NEW_SIGNUP ->
          casual(r, kind == Population.Kind.NEW_SIGNUP ? "free" : pickTier(r));
      case DEVELOPER_TOOL -> developer(r, turn);
      case ENTERPRISE_APP -> enterprise(r);
      case BENCHMARK_RUNNER -> benchmark(r);
      case CAMPAIGN_HYDRA -> hydra(r, sweep);
      case CAMPAIGN_STEALTH -> stealth(r, sweep);
      case CAMPAIGN_SPLIT -> split(sweep);
    };
  }

  private static String pickTier(SplittableRandom r) {
    return r.nextDouble() < 0.7 ? "free" : "pro";
  }

  private Prompt casual(SplittableRandom r, String tier) {
    String ask = String.format(pick(r, EVERYDAY_ASK), pick(r, EVERYDAY));
    if (r.nextDouble() < 0.3) {
      ask = ask + " " + pick(r, CHATTER);
    }
    return new Prompt(tier, null, ask, 256 + 128 * r.nextInt(7), 0.7 + 0.3 * r.nextDouble(), 0);
  }

  private Prompt developer(SplittableRandom r, int turn) {
    String lang = pick(r, LANGUAGES);
    String user =
        turn > 0 && r.nextDouble() < 0.5
            ? "Tool result: exit code "
                + r.nextInt(3)
                + "\n"
                + "FAILED test_"
                + r.nextInt(500)
                + " - AssertionError. What next?"
            : "In "
                + lang
                + ", "
                + pick(r, SE_TASKS)
                + ". Here is my code:\n```\n"
                + code(r)
                + "\n```";
    return new Prompt("pro", DEV_SYSTEM, user, 1024 + 512 * r.nextInt(4), 0.2, 0);
  }

  private Prompt enterprise(SplittableRandom r) {
    String ticket =
        "Ticket #"
            + r.nextInt(1_000_000)
            + " from "
            + customers[r.nextInt(customers.length)]
            + ": my "
            + pick(r, new String[] {"internet", "phone bill", "router", "SIM card", "roaming"})
            + " "
            + pick(
                r,
                new String[] {"stopped working", "is wrong", "keeps dropping", "was charged twice"})
            + " since "
            + pick(r, new String[] {"Monday", "yesterday", "last week", "the update"})
            + ".";
    return new Prompt("enterprise", APP_SYSTEM, ticket, 400, 0.0, 0);
  }

  private static Prompt benchmark(SplittableRandom r) {
    int a = r.nextInt(2, 999);
    int b = r.nextInt(2, 999);
    String q =
        switch (r.nextInt(3)) {
          case 0 -> "A store sells " + a + " apples per day for " + b + " days. How many apples?";
          case 1 -> "If x + " + a + " = " + b + ", what is x?";
          default -> "A train travels " + a + " km in " + (b % 12 + 1) + " hours. Average speed?";
        };
    return new Prompt("pro", null, "Question: " + q + "\nLet's think step by step.", 512, 0.0, 0);
  }

  /** The large campaign's user message for sweep step {@code sweep} (public: the load demo). */
  public static String campaignPrompt(int sweep) {
    return hydra(new SplittableRandom(sweep), sweep).user();
  }

  /** The large campaign: one template, a systematic sweep, chain-of-thought, long outputs. */
  private static Prompt hydra(SplittableRandom r, int sweep) {
    String task;
    int area = sweep % 3;
    if (area == 0) {
      task =
          "In "
              + LANGUAGES[(sweep / 3) % LANGUAGES.length]
              + ", "
              + SE_TASKS[(sweep / 30) % SE_TASKS.length]
              + ".";
    } else if (area == 1) {
      task = AGENT_TASKS[(sweep / 3) % AGENT_TASKS.length];
    } else {
      task = "Write " + PLAN_TASKS[(sweep / 3) % PLAN_TASKS.length] + ".";
    }
    String user =
        "You are a world-class expert. Solve the following task. Think step by step and show your"
            + " complete reasoning inside <thinking> tags before giving the final answer.\n\nTask #"
            + sweep
            + ": "
            + task;
    return new Prompt("free", null, user, 8192, r.nextDouble() < 0.5 ? 0.0 : 0.3, 5);
  }

  /** Stealthy: paraphrased, sometimes chatter, human settings, no logprobs. */
  private static Prompt stealth(SplittableRandom r, int sweep) {
    if (r.nextDouble() < 0.25) {
      return new Prompt("pro", null, pick(r, CHATTER), 256, 0.7, 0);
    }
    String task =
        switch (sweep % 3) {
          case 0 -> "in " + pick(r, LANGUAGES) + ", " + pick(r, SE_TASKS);
          case 1 -> pick(r, AGENT_TASKS).toLowerCase(java.util.Locale.ROOT);
          default -> "write " + pick(r, PLAN_TASKS);
        };
    String user = pick(r, PARAPHRASE_OPEN) + " " + task + "?" + pick(r, PARAPHRASE_CLOSE);
    return new Prompt("pro", null, user, 2048 + 1024 * r.nextInt(3), 0.7, 0);
  }

  /** Stealthy: each account covers a slice of the sweep; plain questions, no reasoning cue. */
  private static Prompt split(int sweep) {
    String user =
        "How do I "
            + SE_TASKS[sweep % SE_TASKS.length]
            + " in "
            + LANGUAGES[(sweep / SE_TASKS.length) % LANGUAGES.length]
            + "?";
    return new Prompt("pro", null, user, 4096, 0.5, 0);
  }

  private static String code(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int lines = r.nextInt(2, 8);
    for (int i = 0; i < lines; i++) {
      b.append("  var v")
          .append(r.nextInt(100))
          .append(" = f")
          .append(r.nextInt(50))
          .append("(x);\n");
    }
    return b.toString().strip();
  }

  private static String pick(SplittableRandom r, String[] a) {
    return a[r.nextInt(a.length)];
  }
}
