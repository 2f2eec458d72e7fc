package dev.moat.research.usage;

import dev.moat.research.usage.BenignVoices.Settings;
import java.util.SplittableRandom;

/**
 * Builds the benign populations of a world. Every population-level parameter is a knob drawn from a
 * range; per-account values are then drawn around it.
 *
 * <p>Sources for the ranges: LMSYS-Chat-1M (Zheng et al., 2023) reports 2.0 turns per conversation
 * on average and about 70 tokens per prompt; ShareGPT conversations run longer (around 3.5 turns).
 * Default max_tokens values are those that SDK examples and coding tools send (1,024 in most
 * quick-start examples, 4,096 to 32,000 in coding tools; absent for many OpenAI-style clients); 0.7
 * and 1.0 are the usual default temperatures. Where no public figure exists (populations sizes,
 * agent loop rates, class sizes) the ranges are deliberately wide.
 *
 * <p>Stateless; thread-safe.
 */
final class BenignPopulations {
  private BenignPopulations() {}

  static final int[] SDK_MAX_TOKENS = {0, 0, 1024, 1024, 2048, 4096, 4096, 8192, 16000, 32000};

  static void build(World w, int benign) {
    double s = w.size;
    int developers = w.count("developers", benign * w.knob("share.developers", 0.08, 0.18), 5);
    int agent = w.count("agent-platform", benign * w.knob("share.agent-platform", 0.002, 0.007), 2);
    int eval = w.count("eval-runners", benign * w.knob("share.eval-runners", 0.0006, 0.002), 2);
    int enterprise = w.count("enterprise", w.knob("enterprise.base", 2, 7) * s, 1);
    int classroom = w.count("classroom", w.knob("classroom.base", 120, 420) * Math.sqrt(s), 30);
    int hackathon = w.count("hackathon", w.knob("hackathon.base", 30, 300) * Math.sqrt(s), 10);
    int viral = w.count("viral-prompt", benign * w.knob("share.viral-prompt", 0.015, 0.06), 10);
    int casual =
        w.count(
            "casual",
            benign - developers - agent - eval - enterprise - classroom - hackathon - viral,
            20);
    chatters(w, "casual", casual, null);
    viral(w, viral);
    developers(w, developers);
    agentPlatform(w, agent);
    evalRunners(w, eval);
    enterprise(w, enterprise);
    classroom(w, classroom);
    hackathon(w, hackathon);
  }

  /** Casual chat users; with a trending voice, the viral-prompt population. */
  private static void chatters(
      World w, String pop, int n, @org.jspecify.annotations.Nullable TrendingPlan trend) {
    double sessions = w.knob(pop + ".sessions-per-day", 0.3, 0.9);
    double convs = w.knob(pop + ".conversations-per-session", 1.1, 1.6);
    double turns = w.knob(pop + ".turns-per-conversation", 1.6, 2.6);
    double gap = w.knob(pop + ".turn-gap-s", 30, 90) * 1000;
    double web = w.knob(pop + ".web-ui-share", 0.55, 0.9);
    double newShare = w.knob(pop + ".new-account-share", 0.01, 0.05);
    double noise = w.knob(pop + ".typing-noise", 0.1, 0.5);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      boolean ui = ar.nextDouble() < web;
      Settings set =
          ui
              ? new Settings(
                  ar.nextDouble() < 0.3 ? null : Dist.pick(ar, ChatPhrases.UI_SYSTEMS),
                  Dist.pick(ar, new int[] {0, 0, 4096, 8192}),
                  Dist.pick(ar, new double[] {-1, -1, 1.0, 0.7}),
                  0)
              : new Settings(
                  ar.nextDouble() < 0.6 ? null : "You are a helpful assistant.",
                  Dist.pick(ar, new int[] {0, 256, 512, 1024, 2048}),
                  Dist.pick(ar, new double[] {-1, 0.7, 1.0, 0.5}),
                  0);
      long created =
          trend == null && ar.nextDouble() < newShare
              ? w.start + (long) (ar.nextDouble() * (w.end - w.start))
              : w.aged(ar, trend == null ? 7 : 1, 1500);
      int tz = w.tz(ar) + Dist.between(ar, -90, 90);
      Rhythm rh = Rhythm.daily(Rhythm.CHAT, tz, Dist.uniform(ar, 0.8, 1.3));
      Account.Shape shape =
          new Account.Shape(
              Math.min(12, Dist.logNormal(ar, sessions, 1.0)),
              rh,
              convs,
              turns,
              gap,
              0.9,
              Dist.uniform(ar, 2, 8) * Dist.MINUTE,
              1.0,
              w.start,
              w.end);
      String home = World.net24(ar);
      String mobile = World.asn(ar);
      double mobileShare = ar.nextDouble() * 0.6;
      Voice v = new BenignVoices.Chat(set, noise * ar.nextDouble() * 2);
      Account a =
          w.add(
              pop,
              created,
              ar.nextDouble() < 0.8 ? "free" : "plus",
              cr -> cr.nextDouble() < mobileShare ? mobile : home,
              shape,
              v,
              ui,
              ar);
      if (trend != null) {
        a.withExtras(trend.times(ar), new BenignVoices.Trending(set, trend.text, trend.verbatim));
      }
    }
  }

  /** When and what a trending prompt is sent. */
  private record TrendingPlan(String text, double verbatim, long from, long length) {
    long[] times(SplittableRandom ar) {
      long[] t = new long[Dist.between(ar, 1, 3)];
      for (int i = 0; i < t.length; i++) {
        // Triangular, peaking at 30% of the window: a fast rise and a long tail.
        double u = ar.nextDouble();
        double x = u < 0.3 ? Math.sqrt(u * 0.3) : 1 - Math.sqrt((1 - u) * 0.7);
        t[i] = from + (long) (x * length);
      }
      return t;
    }
  }

  private static void viral(World w, int n) {
    long span = w.end - w.start;
    long length = Math.min((long) (w.knob("viral-prompt.window-h", 24, 48) * Dist.HOUR), span / 2);
    long from = w.start + (long) (w.r.nextDouble() * (span - length));
    String text = Dist.pick(w.r, TaskPhrases.TRENDING);
    double verbatim = w.knob("viral-prompt.verbatim-share", 0.6, 0.95);
    chatters(w, "viral-prompt", n, new TrendingPlan(text, verbatim, from, length));
  }

  private static void developers(World w, int n) {
    double sessions = w.knob("developers.sessions-per-day", 1, 2.5);
    double burst = w.knob("developers.conversations-per-session", 3, 10);
    double turns = w.knob("developers.turns-per-conversation", 1.5, 4);
    double weekend = w.knob("developers.weekend-factor", 0.1, 0.35);
    double noSystem = w.knob("developers.no-system-share", 0.5, 0.85);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      Settings set =
          new Settings(
              ar.nextDouble() < noSystem ? null : "You are a helpful coding assistant.",
              Dist.pick(ar, SDK_MAX_TOKENS),
              Dist.pick(ar, new double[] {-1, -1, -1, 0, 0.2, 0.7, 1.0}),
              0);
      int tz = w.tz(ar);
      Account.Shape shape =
          new Account.Shape(
              Dist.logNormal(ar, sessions, 0.6),
              Rhythm.daily(Rhythm.WORK, tz, weekend),
              burst,
              turns,
              Dist.uniform(ar, 20, 120) * 1000,
              0.9,
              Dist.uniform(ar, 1, 10) * Dist.MINUTE,
              1.0,
              w.start,
              w.end);
      String office = World.net24(ar);
      String cloud = World.asn(ar);
      w.add(
          "developers",
          w.aged(ar, 3, 1500),
          "api-tier-" + Dist.between(ar, 1, 4),
          cr -> cr.nextDouble() < 0.8 ? office : cloud,
          shape,
          new BenignVoices.Developer(set),
          false,
          ar);
    }
  }

  private static void agentPlatform(World w, int n) {
    String product = Dist.pick(w.r, new String[] {"Forge", "Tessera", "Quill", "Cobalt", "Relay"});
    w.note("agent-platform.product", product);
    Settings set =
        new Settings(
            CodePhrases.agentSystem(product), Dist.pick(w.r, new int[] {8192, 16384, 32000}), 0, 0);
    double daily = w.knob("agent-platform.median-requests-per-day", 300, 800);
    double turns = w.knob("agent-platform.turns-per-task", 8, 25);
    double loop = w.knob("agent-platform.tool-loop-gap-ms", 250, 900);
    boolean ids = w.r.nextBoolean();
    String[] backends = new String[Dist.between(w.r, 2, 4)];
    for (int i = 0; i < backends.length; i++) {
      backends[i] = World.asn(w.r);
    }
    int region = w.region(w.r);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      double perDay = Math.max(200, Math.min(2000, Dist.logNormal(ar, daily, 0.5)));
      double sessions = Dist.uniform(ar, 3, 8);
      // The business curve averages about 0.6 over a week.
      double convs = Math.max(1, perDay / (sessions * 0.6 * turns));
      Account.Shape shape =
          new Account.Shape(
              sessions,
              Rhythm.daily(Rhythm.BUSINESS, w.tzOfRegion(ar, region), 0.5),
              convs,
              turns,
              loop,
              0.5,
              Dist.uniform(ar, 30, 180) * 1000,
              1.0,
              w.start,
              w.end);
      w.add(
          "agent-platform",
          w.aged(ar, 180, 1500),
          "api-tier-" + Dist.between(ar, 3, 5),
          cr -> Dist.pick(cr, backends),
          shape,
          new BenignVoices.Agent(set),
          ids,
          ar);
    }
  }

  private static void evalRunners(World w, int n) {
    double items = w.knob("eval-runners.items-per-run", 400, 2500);
    double runs = w.knob("eval-runners.runs-per-day", 0.5, 2);
    double logprobShare = w.knob("eval-runners.top-logprobs-share", 0.15, 0.5);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      StringBuilder fewShot = new StringBuilder();
      int shots = ar.nextDouble() < 0.4 ? Dist.between(ar, 1, 5) : 0;
      String format = Dist.pick(ar, TaskPhrases.HARNESS_FORMATS);
      for (int k = 0; k < shots; k++) {
        fewShot.append(format.replace("{q}", TaskPhrases.evalItem(ar))).append(" ...\n\n");
      }
      Settings set =
          new Settings(
              null,
              Dist.pick(ar, new int[] {256, 512, 1024, 2048}),
              0,
              ar.nextDouble() < logprobShare ? Dist.pick(ar, new int[] {1, 5, 20}) : 0);
      String client = World.asn(ar);
      w.add(
          "eval-runners",
          w.aged(ar, 20, 1000),
          "api-tier-" + Dist.between(ar, 2, 5),
          cr -> client,
          new Account.Shape(
              Dist.logNormal(ar, runs, 0.4),
              Rhythm.daily(Rhythm.WORK, w.tz(ar), 0.5).floor(0.25),
              Dist.logNormal(ar, items, 0.5),
              1,
              1000,
              0.3,
              Dist.uniform(ar, 80, 600),
              0.4,
              w.start,
              w.end),
          new BenignVoices.Eval(set, format, fewShot.toString()),
          false,
          ar);
    }
  }

  private static void enterprise(World w, int n) {
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      double perDay = w.knob("enterprise." + i + ".requests-per-day", 1500, 8000);
      double batches = Dist.uniform(ar, 24, 96);
      Settings set =
          new Settings(
              Dist.pick(ar, TaskPhrases.ENTERPRISE_SYSTEMS),
              Dist.pick(ar, new int[] {128, 256, 512}),
              Dist.pick(ar, new double[] {0, 0, 0.2}),
              0);
      String[] nets = {World.net24(ar), World.net24(ar)};
      w.add(
          "enterprise",
          w.aged(ar, 300, 2000),
          "enterprise",
          cr -> nets[cr.nextInt(4) == 0 ? 1 : 0],
          new Account.Shape(
              batches,
              Rhythm.daily(Rhythm.BUSINESS, w.tz(ar), 0.7).floor(0.5),
              perDay / (batches * 0.8),
              1,
              1000,
              0.3,
              Dist.uniform(ar, 300, 3000),
              0.3,
              w.start,
              w.end),
          new BenignVoices.Enterprise(
              set, Dist.pick(ar, TaskPhrases.ENTERPRISE), Dist.uniform(ar, 15, 120)),
          false,
          ar);
    }
  }

  private static void classroom(World w, int n) {
    SplittableRandom r = w.r;
    int tz = w.tz(r);
    long classLength = Math.round(w.knob("classroom.class-minutes", 50, 90) * Dist.MINUTE);
    long classStart = Groups.weekdaySlot(w, tz, 9, 15, classLength, r);
    w.note("classroom.class-start", java.time.Instant.ofEpochMilli(classStart).toString());
    String nat = World.net24(r);
    String homework = TaskPhrases.homework(r);
    double verbatim = w.knob("classroom.verbatim-share", 0.75, 0.95);
    Settings set = new Settings(Dist.pick(r, ChatPhrases.UI_SYSTEMS), 0, -1, 0);
    double turns = w.knob("classroom.turns-per-conversation", 1.5, 3.5);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      long created = classStart + (long) (ar.nextDouble() * 20 * Dist.MINUTE);
      w.add(
          "classroom",
          created,
          "free",
          cr -> nat,
          new Account.Shape(
              60,
              Rhythm.flat(1),
              1,
              turns,
              Dist.uniform(ar, 90, 240) * 1000,
              0.6,
              Dist.MINUTE,
              0.5,
              created,
              classStart + classLength),
          new BenignVoices.Student(set, homework, verbatim),
          true,
          ar);
    }
  }

  private static void hackathon(World w, int n) {
    SplittableRandom r = w.r;
    int tz = w.tz(r);
    long[] window = Groups.weekend(w, tz, r);
    w.note("hackathon.start", java.time.Instant.ofEpochMilli(window[0]).toString());
    String[] starters = new String[Dist.between(r, 3, 6)];
    for (int i = 0; i < starters.length; i++) {
      starters[i] = TaskPhrases.starter(Dist.pick(r, TaskPhrases.STARTERS), r);
    }
    Settings set =
        new Settings(
            r.nextBoolean() ? null : "You are a helpful assistant for a hackathon project.",
            Dist.pick(r, new int[] {512, 1024, 4096}),
            Dist.pick(r, new double[] {0.7, 1.0, -1}),
            0);
    double starterShare = w.knob("hackathon.starter-share", 0.2, 0.6);
    String venue = World.net24(r);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      long created = window[0] + (long) (ar.nextDouble() * Math.min(6 * Dist.HOUR, window[1] / 3));
      String home = World.net24(ar);
      boolean remote = ar.nextDouble() < 0.2;
      w.add(
          "hackathon",
          created,
          ar.nextBoolean() ? "free" : "api-tier-1",
          cr -> remote || cr.nextDouble() < 0.1 ? home : venue,
          new Account.Shape(
              Dist.uniform(ar, 6, 16),
              Rhythm.daily(Rhythm.CHAT, tz, 1).floor(0.4),
              Dist.uniform(ar, 2, 5),
              Dist.uniform(ar, 1.5, 3),
              Dist.uniform(ar, 20, 60) * 1000,
              0.8,
              Dist.uniform(ar, 1, 5) * Dist.MINUTE,
              0.8,
              created,
              window[0] + window[1]),
          new BenignVoices.Hacker(set, starters, starterShare),
          false,
          ar);
    }
  }
}
