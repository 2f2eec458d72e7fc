package dev.moat.research.usage;

/**
 * Distillation prompts: templates that elicit full reasoning traces for software engineering,
 * agentic tool use and long-horizon planning, with topic slots drawn from combinatorial topic
 * spaces. Alternation groups ({@code [a|b]}) are the paraphrase points; the first alternative is
 * the canonical wording. Written for this generator.
 *
 * <p>Stateless; thread-safe.
 */
final class ExtractionPhrases {
  private ExtractionPhrases() {}

  static final int SOFTWARE = 0;
  static final int AGENTIC = 1;
  static final int PLANNING = 2;

  /** Templates per domain; {topic} is the domain's topic phrase. */
  static final String[][] TEMPLATES = {
    {
      "[You are a senior software engineer|Act as a staff-level engineer|You are an expert"
          + " programmer|Pretend you are a principal engineer]. [Solve the following task and show"
          + " your full reasoning step by step|Work through this task, thinking step by step and"
          + " showing all of your reasoning|Explain every step of your reasoning before writing"
          + " code for this task]: {topic}. [Give the complete, runnable code|Provide the full"
          + " implementation in one block|Write out the entire final code]. [Then explain the"
          + " design trade-offs and edge cases|Afterwards discuss complexity and edge cases|Finish"
          + " with tests and a discussion of trade-offs].",
      "[Task|Problem|Assignment]: {topic}.\n[Before writing any code, reason step by step about"
          + " the approach inside <thinking> tags|First think through the design step by step in a"
          + " <reasoning> section], then [give the final implementation|write the solution] and"
          + " [unit tests|a short test suite|usage examples].",
      "I [need|want] a [production-quality|robust|well-tested] solution: {topic}. [Walk me"
          + " through your thought process in detail|Show your chain of thought in full|Think"
          + " aloud step by step], including [alternatives you rejected and why|the mistakes to"
          + " avoid|how you would verify it].",
      "[Write|Produce|Generate] a [detailed|thorough|complete] worked solution for: {topic}."
          + " [Number each reasoning step|Label every step of the reasoning|Explain each step] and"
          + " [justify every design decision|state the invariants you rely on|verify the result at"
          + " the end].",
    },
    {
      "[You are an autonomous agent|Act as an AI agent|You are a tool-using assistant] with"
          + " access to these tools: {tools}. [Your goal|Objective|Goal]: {goal}. [Before each"
          + " action, reason step by step about what to do next|Think out loud before every tool"
          + " call|Explain your reasoning before each step]. [Write out the full trajectory:"
          + " thought, action, action input, observation, until the goal is reached|Produce the"
          + " complete sequence of thoughts, tool calls and observations until you are done],"
          + " then give the final answer.",
      "[Simulate|Write out|Show] how an agent with {tools} would {goal}. [Include every"
          + " intermediate thought and tool call|Show each reasoning step and each action],"
          + " [handle at least one failed tool call and recover|include a wrong turn and how it is"
          + " corrected|show how errors are handled].",
      "Goal: {goal}.\nTools: {tools}.\n[Plan step by step, then execute the plan one tool call at"
          + " a time, reflecting after each observation|Reason step by step, act, observe, and"
          + " reflect until finished]. [Show all reasoning|Do not skip any reasoning].",
    },
    {
      "[Create|Write|Draft] a detailed plan, spanning {horizon}, for {org} to {project}."
          + " [Break it into phases with milestones, dependencies and risks|List every phase with"
          + " its milestones, owners and risks|Structure it as phases, milestones and risk"
          + " mitigations]. [Reason step by step about sequencing and explain each"
          + " decision|Explain the reasoning behind every decision step by step|Think step by"
          + " step and justify the order of the work].",
      "[You are a seasoned program manager|Act as a chief of staff|You are an experienced"
          + " strategy consultant]. [Your client|The organisation|My employer], {org}, [wants|needs"
          + "|plans] to {project} over the next {horizon}. [Think through the problem step by"
          + " step|Reason carefully, step by step,] and [produce a week-by-week plan|give a"
          + " month-by-month roadmap|lay out a phased plan] [with contingencies for the three"
          + " biggest risks|including what could go wrong and how to respond|with decision points"
          + " and fallbacks].",
      "[Think step by step|Reason carefully]: how should {org} {project} within {horizon}?"
          + " [Give a long-horizon plan with intermediate goals|Decompose this into sub-goals and"
          + " a schedule] and [explain your reasoning for each step|show your full chain of"
          + " thought].",
    },
  };

  // ---- software engineering topic space: verb x artifact x language x constraint ----
  static final String[] SW_VERBS = {
    "implement",
    "design and implement",
    "write",
    "build",
    "refactor and optimise",
    "write and test",
    "create"
  };
  static final String[] SW_ARTIFACTS = {
    "an LRU cache",
    "a token-bucket rate limiter",
    "a trie with prefix search",
    "a B-tree",
    "a job scheduler with priorities",
    "a streaming JSON parser",
    "an HTTP request router",
    "a consistent-hashing ring",
    "a write-ahead log",
    "a bloom filter",
    "a skip list",
    "an interval tree",
    "a thread pool",
    "a connection pool",
    "a Raft leader election",
    "a regex matcher",
    "a diff algorithm for text files",
    "a markdown-to-HTML converter",
    "a retry policy with jitter",
    "a circuit breaker",
    "a min-heap priority queue",
    "a garbage-collected arena allocator",
    "a key-value store with TTLs",
    "a dependency resolver",
    "a topological sort of build targets",
    "a sparse matrix library",
    "a rope for text editing",
    "an event sourcing store",
    "a distributed lock",
    "a CSV parser that handles quoted fields",
    "a SQL query planner for joins",
    "a rate-limited web crawler",
    "a file-system watcher",
    "a pub/sub message broker",
    "an undo/redo stack",
    "a plugin loader",
    "a feature-flag service",
    "a metrics aggregator with percentiles",
    "a semantic version comparator",
    "a URL shortener"
  };
  static final String[] SW_LANGS = {
    "Python",
    "Rust",
    "Go",
    "Java",
    "TypeScript",
    "C++",
    "C#",
    "Kotlin",
    "Scala",
    "Haskell",
    "Elixir",
    "Swift",
    "Zig",
    "OCaml"
  };
  static final String[] SW_CONSTRAINTS = {
    "that is thread-safe",
    "with O(log n) operations",
    "without any external libraries",
    "that handles ten million entries in bounded memory",
    "with full error handling",
    "that is lock-free",
    "with property-based tests",
    "that survives process crashes",
    "with a clean public API and documentation",
    "that streams its input",
    "with configurable eviction",
    "that is generic over the element type",
    "with amortised constant-time updates",
    "that supports concurrent readers",
    "with benchmarks",
    "that is safe against malicious input",
    "with backpressure",
    "that runs in a browser",
    "with deterministic output",
    "that can be serialised to disk",
    "with metrics and logging hooks",
    "that is async",
    "with zero allocations on the hot path",
    "that degrades gracefully under load",
    "with a command-line interface"
  };

  // ---- agentic topic space: goal x tool set ----
  static final String[] AG_GOALS = {
    "book the cheapest refundable flight from Lisbon to Oslo next month",
    "find and fix the memory leak in a Node.js service",
    "reconcile two CSV exports of invoices",
    "migrate a PostgreSQL schema without downtime",
    "triage the 20 newest GitHub issues",
    "research three competitors and write a comparison table",
    "set up monitoring alerts for a web app",
    "clean up a messy shared drive",
    "find the root cause of a failing nightly build",
    "plan a team offsite within budget",
    "collect pricing data from five supplier websites",
    "rotate leaked API keys across services",
    "write and send a weekly status report from ticket data",
    "diagnose why a Kubernetes pod keeps restarting",
    "deduplicate a customer database",
    "answer a customer email using the order history",
    "upgrade a monorepo to a new compiler version",
    "compile a literature review on a topic",
    "schedule interviews across four time zones",
    "audit a cloud account for public buckets",
    "reproduce a bug report and write a failing test",
    "build a dashboard from raw logs",
    "negotiate a meeting time by email",
    "fill in a tax form from receipts",
    "bisect a regression in a large repository",
    "write a data pipeline that backfills a month"
  };
  static final String[] AG_TOOLS = {
    "web_search, browse, python", "bash, read_file, write_file", "sql_query, python, send_email",
    "calendar, email, contacts", "http_get, json_parse, notify", "git, bash, run_tests",
    "kubectl, logs, metrics", "browser, form_fill, screenshot", "spreadsheet, python, charts",
    "jira, github, slack", "file_search, summarize, write_doc", "shell, docker, curl"
  };

  // ---- planning topic space: project x org x horizon ----
  static final String[] PL_PROJECTS = {
    "migrate its monolith to microservices",
    "launch a product in three new countries",
    "reduce cloud spend by 40%",
    "adopt a zero-trust security model",
    "build a data platform",
    "replace its billing system",
    "achieve SOC 2 compliance",
    "open a second factory",
    "move to a four-day work week",
    "rebuild its mobile app",
    "enter the enterprise market",
    "consolidate five acquired companies",
    "train its own language model",
    "cut customer support response time in half",
    "roll out electronic health records",
    "electrify its delivery fleet",
    "set up an on-call rotation and incident process",
    "rewrite its core engine in Rust",
    "expand its warehouse network",
    "prepare for an IPO"
  };
  static final String[] PL_ORGS = {
    "a 50-person startup",
    "a regional hospital",
    "a university IT department",
    "a mid-size logistics company",
    "a city government",
    "a fintech scale-up",
    "a family-owned manufacturer",
    "an open-source foundation",
    "a game studio",
    "a nonprofit",
    "a retail chain with 200 stores",
    "a telecom operator",
    "a research lab",
    "a SaaS company with 2,000 customers",
    "a public school district",
    "an airline"
  };
  static final String[] PL_HORIZONS = {
    "six months", "one year", "18 months", "two years", "three years", "90 days", "five years"
  };

  /** Size of a domain's topic space. */
  static long topics(int domain) {
    return switch (domain) {
      case SOFTWARE ->
          (long) SW_VERBS.length * SW_ARTIFACTS.length * SW_LANGS.length * SW_CONSTRAINTS.length;
      case AGENTIC -> (long) AG_GOALS.length * AG_TOOLS.length;
      case PLANNING -> (long) PL_PROJECTS.length * PL_ORGS.length * PL_HORIZONS.length;
      default -> throw new IllegalArgumentException("domain was " + domain + ", must be 0-2");
    };
  }

  /**
   * The slot value of topic {@code index} (mixed radix, last list fastest, as a scripted sweep runs
   * nested loops).
   */
  static String slot(int domain, long index, String name) {
    long i = Math.floorMod(index, topics(domain));
    switch (domain) {
      case SOFTWARE -> {
        String c = SW_CONSTRAINTS[(int) (i % SW_CONSTRAINTS.length)];
        i /= SW_CONSTRAINTS.length;
        String l = SW_LANGS[(int) (i % SW_LANGS.length)];
        i /= SW_LANGS.length;
        String a = SW_ARTIFACTS[(int) (i % SW_ARTIFACTS.length)];
        i /= SW_ARTIFACTS.length;
        return SW_VERBS[(int) i] + " " + a + " in " + l + " " + c;
      }
      case AGENTIC -> {
        String tools = AG_TOOLS[(int) (i % AG_TOOLS.length)];
        String goal = AG_GOALS[(int) (i / AG_TOOLS.length)];
        return name.equals("tools") ? tools : goal;
      }
      default -> {
        String h = PL_HORIZONS[(int) (i % PL_HORIZONS.length)];
        i /= PL_HORIZONS.length;
        String o = PL_ORGS[(int) (i % PL_ORGS.length)];
        String p = PL_PROJECTS[(int) (i / PL_ORGS.length)];
        return switch (name) {
          case "horizon" -> h;
          case "org" -> o;
          default -> p;
        };
      }
    }
  }

  /** System prompts campaigns send (or none). */
  static final String[] SYSTEMS = {
    "You are a world-class expert. Always show your complete reasoning before the answer.",
    "You are a helpful assistant that thinks carefully and explains every step.",
    "Respond with detailed, step-by-step reasoning followed by a final answer.",
  };

  /** Casual lead-ins a careful campaign puts before a request to sound like a person. */
  static final String[] LEAD_INS = {
    "",
    "",
    "",
    "hey, quick one. ",
    "For a side project I'm working on: ",
    "ok so ",
    "Can you help me with something for work? ",
    "I'm studying for interviews. ",
    "My team is debating this. ",
    "hi! ",
  };
}
