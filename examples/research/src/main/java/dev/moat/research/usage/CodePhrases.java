package dev.moat.research.usage;

import java.util.SplittableRandom;

/**
 * Developer traffic: questions about code with pasted snippets and errors, and the tool results
 * that an agent product feeds back in its loop. Written for this generator.
 *
 * <p>Stateless; thread-safe.
 */
final class CodePhrases {
  private CodePhrases() {}

  static final String[] ASKS = {
    "why does this throw {error}?\n\n```{lang}\n{snippet}\n```",
    "[write|can you write] a {lang} function that {devTask}",
    "convert this to {lang}:\n```\n{snippet}\n```",
    "what's the [best|idiomatic|cleanest] way to {devHow} in {framework}?",
    "write unit tests for this:\n```{lang}\n{snippet}\n```",
    "explain this regex: {regex}",
    "getting {error} when {devContext}. [any idea?|what am I missing?|help]",
    "refactor this to be more readable:\n```{lang}\n{snippet}\n```",
    "write a SQL query that {sqlTask}. tables: {tables}",
    "{error}\n{trace}",
    "how do I {devHow} with {framework}",
    "review this [PR diff|change|code] and point out bugs:\n```{lang}\n{snippet}\n```",
    "[generate|write] a dockerfile for a {framework} app",
    "what does this do?\n{snippet}",
    "add type hints and docstrings:\n```python\n{snippet}\n```",
  };

  static final String[] DEV_FOLLOW_UPS = {
    "now it says {error}",
    "that didn't work",
    "can you do it without {framework}?",
    "make it async",
    "add error handling",
    "what's the time complexity?",
    "use {lang} instead",
    "ok now write the tests",
    "shorter version please",
    "it works, thanks. how would I {devHow}?",
  };

  static final String[] LANGS = {
    "python",
    "typescript",
    "java",
    "go",
    "rust",
    "c#",
    "kotlin",
    "javascript",
    "ruby",
    "c++",
    "swift",
    "php",
    "scala",
    "bash"
  };
  static final String[] FRAMEWORKS = {
    "django",
    "fastapi",
    "react",
    "next.js",
    "spring boot",
    "express",
    "flask",
    "rails",
    "pandas",
    "pytorch",
    "kubernetes",
    "terraform",
    "vue",
    "svelte",
    "gin",
    "tokio",
    "laravel"
  };
  static final String[] ERRORS = {
    "TypeError: 'NoneType' object is not subscriptable",
    "NullPointerException",
    "KeyError: 'id'",
    "error[E0502]: cannot borrow `v` as mutable",
    "Uncaught TypeError: Cannot read properties of undefined (reading 'map')",
    "ModuleNotFoundError: No module named 'numpy'",
    "panic: runtime error: index out of range",
    "ConcurrentModificationException",
    "CORS policy: No 'Access-Control-Allow-Origin' header",
    "RuntimeError: CUDA out of memory",
    "SyntaxError: Unexpected token '<'",
    "segmentation fault (core dumped)",
    "ERR_MODULE_NOT_FOUND",
    "IndentationError: unexpected indent",
    "java.lang.ClassCastException",
    "sqlalchemy.exc.IntegrityError: UNIQUE constraint failed"
  };
  static final String[] DEV_TASKS = {
    "reverses a linked list",
    "parses a csv and returns the average of a column",
    "debounces another function",
    "checks if a string is a palindrome",
    "merges two sorted arrays",
    "retries an http call with exponential backoff",
    "flattens a nested dictionary",
    "converts a timestamp to ISO 8601",
    "validates an email address",
    "reads a large file line by line",
    "groups a list of objects by a key",
    "finds duplicate files in a folder",
    "computes a moving average",
    "rate limits calls per user",
    "paginates an API response"
  };
  static final String[] HOWS = {
    "handle env variables", "upload a file", "add authentication", "write a migration",
    "stream a response", "cache requests", "log requests", "run background jobs",
    "mock a database in tests", "deploy to a VM", "set up hot reload", "paginate a query",
    "share state between components", "profile memory usage"
  };
  static final String[] CONTEXTS = {
    "I run npm install",
    "I deploy to heroku",
    "calling the API from the browser",
    "running pytest",
    "building the docker image",
    "I import the module",
    "the list is empty",
    "two threads write at once",
    "I upgrade to the new version",
    "the job runs in CI"
  };
  static final String[] REGEXES = {
    "^\\d{3}-\\d{4}$",
    "(?<=@)[\\w.]+",
    "^(?!.*\\s).{8,}$",
    "\\b[A-Z]{2,}\\b",
    "^([01]?\\d|2[0-3]):[0-5]\\d$",
    "[^\\x00-\\x7F]+"
  };
  static final String[] SQL_TASKS = {
    "finds the top 5 customers by revenue last month", "counts orders per day",
    "returns users who never logged in", "finds duplicate emails",
    "computes a running total of payments", "gets the second highest salary per department"
  };
  static final String[] TABLES = {
    "users(id, email, created_at), orders(id, user_id, total, created_at)",
    "employees(id, name, dept_id, salary), departments(id, name)",
    "events(id, user_id, type, ts), sessions(id, user_id, started_at)",
  };
  static final String[] NAMES = {
    "items", "rows", "users", "data", "buf", "result", "values", "records", "nodes", "queue"
  };
  static final String[] SNIPPETS = {
    "def total(${x}):\n    s = 0\n    for i in range(len(${x}) + 1):\n        s += ${x}[i]\n    return s",
    "const ${x} = await fetch(url).then(r => r.json());\n${x}.map(u => u.name)",
    "for (String s : ${x}) {\n  if (s.isEmpty()) ${x}.remove(s);\n}",
    "func get(${x} []int, i int) int {\n\treturn ${x}[i+1]\n}",
    "let mut ${x} = vec![1, 2, 3];\nlet first = &${x}[0];\n${x}.push(4);\nprintln!(\"{}\", first);",
    "SELECT * FROM orders o JOIN users u ON o.user_id = u.id WHERE u.created_at > now() - 30",
    "df = pd.read_csv('${x}.csv')\ndf['total'] = df.price * df.qty\nprint(df.groupby('day').sum())",
    "useEffect(() => {\n  setCount(count + 1)\n}, [count])",
    """
    public int find(int[] ${x}, int t) {
      int lo = 0, hi = ${x}.length;
      while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (${x}[mid] < t) lo = mid; else hi = mid;
      }
      return lo;
    }""",
    "with open(path) as f:\n    ${x} = json.load(f)\n${x}['count'] += 1",
    "async function load() {\n  ${x}.forEach(async id => { await save(id) })\n  return 'done'\n}",
    "class Cache:\n    def __init__(self):\n        self.${x} = {}\n    def get(self, k):\n"
        + "        return self.${x}[k]",
  };
  static final String[] TRACES = {
    "  File \"app.py\", line 42, in handler\n    return rows[0]['id']",
    "\tat com.example.Service.process(Service.java:118)\n\tat com.example.Main.main(Main.java:9)",
    "    at Object.<anonymous> (/app/index.js:12:15)\n    at Module._compile (node:internal)",
    "goroutine 1 [running]:\nmain.get(...)\n\t/app/main.go:7",
  };

  static String snippet(SplittableRandom r) {
    return Dist.pick(r, SNIPPETS).replace("${x}", Dist.pick(r, NAMES));
  }

  static String slot(String name, SplittableRandom r) {
    return switch (name) {
      case "error" -> Dist.pick(r, ERRORS);
      case "lang" -> Dist.pick(r, LANGS);
      case "snippet" -> snippet(r);
      case "devTask" -> Dist.pick(r, DEV_TASKS);
      case "devHow" -> Dist.pick(r, HOWS);
      case "framework" -> Dist.pick(r, FRAMEWORKS);
      case "regex" -> Dist.pick(r, REGEXES);
      case "devContext" -> Dist.pick(r, CONTEXTS);
      case "sqlTask" -> Dist.pick(r, SQL_TASKS);
      case "tables" -> Dist.pick(r, TABLES);
      case "trace" -> Dist.pick(r, TRACES);
      default -> throw new IllegalArgumentException("code slot '" + name + "' is not known");
    };
  }

  static String ask(SplittableRandom r) {
    return Template.any(Dist.pick(r, ASKS), s -> slot(s, r), r);
  }

  static String followUp(SplittableRandom r) {
    return Template.any(Dist.pick(r, DEV_FOLLOW_UPS), s -> slot(s, r), r);
  }

  // ---- the agent product's loop ----

  static final String[] AGENT_TASKS = {
    "fix the failing test in {path}",
    "add pagination to the /{resource} endpoint",
    "upgrade {dep} to the latest major version and fix whatever breaks",
    "the {resource} page is slow, find out why and fix it",
    "add input validation to the {resource} form",
    "write integration tests for the {resource} service",
    "rename {symbol} to something clearer across the codebase",
    "set up CI to run lint and tests on every pull request",
    "our build fails on {lang} 3.12, please fix",
    "add a CSV export to the {resource} admin view",
  };
  static final String[] PATHS = {
    "tests/test_billing.py", "src/api/users.ts", "internal/store/store_test.go",
    "app/models/order.rb", "src/main/java/com/acme/InvoiceService.java", "lib/parser.rs"
  };
  static final String[] RESOURCES = {"users", "orders", "invoices", "projects", "reports", "teams"};
  static final String[] DEPS = {"react", "django", "pydantic", "webpack", "spring-boot", "axios"};
  static final String[] SYMBOLS = {"doStuff", "mgr", "handle2", "tmpData", "UtilHelper", "proc"};
  static final String[] TOOLS = {
    "read_file", "run_tests", "search", "bash", "edit_file", "list_dir"
  };

  static String agentTask(SplittableRandom r) {
    return Template.any(
        Dist.pick(r, AGENT_TASKS),
        s ->
            switch (s) {
              case "path" -> Dist.pick(r, PATHS);
              case "resource" -> Dist.pick(r, RESOURCES);
              case "dep" -> Dist.pick(r, DEPS);
              case "symbol" -> Dist.pick(r, SYMBOLS);
              default -> slot(s, r);
            },
        r);
  }

  /** A tool result fed back to the model, as the agent product formats it. */
  static String toolResult(SplittableRandom r) {
    String tool = Dist.pick(r, TOOLS);
    String body =
        switch (tool) {
          case "read_file" -> snippet(r);
          case "run_tests" ->
              Dist.between(r, 3, 240)
                  + " passed, "
                  + Dist.between(r, 0, 4)
                  + " failed\nFAILED "
                  + Dist.pick(r, PATHS)
                  + "::test_"
                  + Dist.pick(r, RESOURCES)
                  + " - AssertionError";
          case "search" ->
              Dist.pick(r, PATHS)
                  + ":"
                  + Dist.between(r, 1, 400)
                  + ": "
                  + Dist.pick(r, SYMBOLS)
                  + "(\n"
                  + Dist.pick(r, PATHS)
                  + ":"
                  + Dist.between(r, 1, 400)
                  + ": import "
                  + Dist.pick(r, SYMBOLS);
          case "bash" -> "exit code " + (r.nextInt(4) == 0 ? 1 : 0) + "\n" + Dist.pick(r, ERRORS);
          case "list_dir" -> "src/\ntests/\nREADME.md\npackage.json\n.github/";
          default -> "applied 1 edit to " + Dist.pick(r, PATHS);
        };
    return "<tool_result name=\"" + tool + "\">\n" + body + "\n</tool_result>";
  }

  /** The agent product's system prompt; one product per world, named per seed. */
  static String agentSystem(String product) {
    return "You are "
        + product
        + ", an autonomous software engineering agent working inside the user's repository."
        + " You can call these tools: read_file(path), edit_file(path, patch), search(query),"
        + " list_dir(path), run_tests(selector) and bash(command). Each tool result is returned"
        + " to you in a <tool_result> block.\n\nHow to work:\n1. Think step by step about the"
        + " task before acting, and keep a short plan.\n2. Prefer small, verifiable edits; run the"
        + " relevant tests after each change.\n3. Never invent file contents: read a file before"
        + " editing it.\n4. If a command fails, read the error carefully and think step by step"
        + " about the cause before retrying.\n5. Do not touch secrets, CI credentials or files"
        + " outside the repository.\n6. When the task is complete, reply with a concise summary of"
        + " what you changed and why, and list any follow-up work.\n\nRespond with exactly one tool"
        + " call per message unless you are done. Be precise and terse.";
  }
}
