package dev.moat.research.usage;

import dev.moat.research.usage.BenignVoices.Settings;
import dev.moat.research.usage.CampaignVoices.Extraction;
import java.util.SplittableRandom;

/**
 * Builds the distillation campaigns of a world: harvesting reasoning traces for software
 * engineering, agentic tool use and long-horizon planning. Each campaign draws its own templates,
 * paraphrase strength, domain mix and request settings.
 *
 * <p>Stateless; thread-safe.
 */
final class CampaignPopulations {
  private CampaignPopulations() {}

  /** The range a reseller's extraction share is drawn from. */
  static final double RESELLER_SHARE_MIN = 0.05;

  static final double RESELLER_SHARE_MAX = 0.30;

  static void build(World w, int campaign) {
    int resellers =
        w.count("campaign-reseller", campaign * w.knob("share.campaign-reseller", 0.004, 0.015), 1);
    double hydra = w.knob("weight.campaign-hydra", 0.35, 0.7);
    double stealth = w.knob("weight.campaign-stealth", 0.1, 0.3);
    double slowdrip = w.knob("weight.campaign-slowdrip", 0.15, 0.35);
    double rest = Math.max(0, campaign - resellers) / (hydra + stealth + slowdrip);
    hydra(w, w.count("campaign-hydra", rest * hydra, 3));
    stealth(w, w.count("campaign-stealth", rest * stealth, 3));
    slowdrip(w, w.count("campaign-slowdrip", rest * slowdrip, 3));
    reseller(w, resellers);
  }

  private static double[] domains(World w, String pop) {
    return new double[] {
      w.knob(pop + ".weight.software", 0.3, 1),
      w.knob(pop + ".weight.agentic", 0.1, 1),
      w.knob(pop + ".weight.planning", 0.1, 1)
    };
  }

  private static CampaignVoices.Factory factory(
      World w, String pop, int maxTemplates, double lo, double hi) {
    int[] per = new int[3];
    for (int d = 0; d < 3; d++) {
      per[d] = Dist.between(w.r, 1, maxTemplates);
    }
    w.note(pop + ".templates", per[0] + "/" + per[1] + "/" + per[2]);
    return new CampaignVoices.Factory(
        per, domains(w, pop), w.knob(pop + ".paraphrase", lo, hi), w.r);
  }

  /** Many young accounts created in waves, rotating proxies, machine timing, a shared sweep. */
  private static void hydra(World w, int n) {
    SplittableRandom r = w.r;
    CampaignVoices.Factory f = factory(w, "campaign-hydra", 2, 0.02, 0.25);
    Settings set =
        new Settings(
            r.nextBoolean() ? null : Dist.pick(r, ExtractionPhrases.SYSTEMS),
            Dist.pick(r, new int[] {8192, 16000, 32000, 0}),
            Dist.pick(r, new double[] {0, 0.7, 1, -1}),
            r.nextDouble() < 0.3 ? Dist.pick(r, new int[] {5, 20}) : 0);
    String[] proxies = new String[(int) w.knob("campaign-hydra.proxy-pool", 100, 1500)];
    for (int i = 0; i < proxies.length; i++) {
      proxies[i] = r.nextInt(5) == 0 ? World.asn(r) : World.net24(r);
    }
    double life = w.knob("campaign-hydra.lifetime-h", 6, 30) * Dist.HOUR;
    double jobs = w.knob("campaign-hydra.jobs-per-day", 6, 16);
    double perJob = w.knob("campaign-hydra.requests-per-job", 5, 25);
    double gap = w.knob("campaign-hydra.request-gap-s", 20, 120) * 1000;
    double followUps = w.knob("campaign-hydra.follow-up-turns", 1, 1.4);
    String tier = Dist.pick(r, new String[] {"free", "api-tier-1"});
    long span = w.end - w.start;
    int made = 0;
    while (made < n) {
      // A wave: a batch of accounts registered within half an hour.
      long lead = (long) (life / 2);
      long wave = w.start - lead + (long) (r.nextDouble() * (span + lead - Dist.HOUR));
      int batch = Math.min(n - made, Dist.between(r, 3, 30));
      for (int i = 0; i < batch; i++, made++) {
        SplittableRandom ar = r.split();
        long created = wave + (long) (ar.nextDouble() * 30 * Dist.MINUTE);
        long until = created + Math.round(Dist.logNormal(ar, life, 0.6));
        w.add(
            "campaign-hydra",
            created,
            tier,
            cr -> Dist.pick(cr, proxies),
            new Account.Shape(
                jobs, Rhythm.flat(1), perJob, followUps, 8000, 0.2, gap, 0.25, created, until),
            new Extraction(f, f::sweep, set, 0, 0, 0, null),
            false,
            ar);
      }
    }
  }

  /** Aged accounts, several paraphrased templates, human timing, some filler chat. */
  private static void stealth(World w, int n) {
    CampaignVoices.Factory f = factory(w, "campaign-stealth", 4, 0.5, 0.9);
    double filler = w.knob("campaign-stealth.filler-share", 0.1, 0.35);
    double sessions = w.knob("campaign-stealth.sessions-per-day", 2, 5);
    double leadIns = w.knob("campaign-stealth.lead-in-share", 0.2, 0.7);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      Settings set =
          new Settings(
              ar.nextDouble() < 0.7 ? null : Dist.pick(ar, ExtractionPhrases.SYSTEMS),
              Dist.pick(ar, BenignPopulations.SDK_MAX_TOKENS),
              Dist.pick(ar, new double[] {-1, -1, 0.7, 1, 0.3}),
              0);
      int tz = w.tz(ar) + Dist.between(ar, -60, 60);
      String home = World.net24(ar);
      w.add(
          "campaign-stealth",
          w.aged(ar, 90, 1100),
          Dist.pick(ar, new String[] {"free", "plus", "api-tier-1", "api-tier-2"}),
          cr -> home,
          new Account.Shape(
              Dist.logNormal(ar, sessions, 0.3),
              Rhythm.daily(ar.nextBoolean() ? Rhythm.CHAT : Rhythm.WORK, tz, 0.6),
              Dist.uniform(ar, 2, 5),
              Dist.uniform(ar, 1.1, 1.8),
              Dist.uniform(ar, 60, 180) * 1000,
              0.8,
              Dist.uniform(ar, 3, 15) * Dist.MINUTE,
              1.0,
              w.start,
              w.end),
          new Extraction(
              f,
              f::random,
              set,
              leadIns,
              Dist.uniform(ar, 0.1, 0.4),
              filler,
              new BenignVoices.Chat(set, 0.3)),
          ar.nextBoolean(),
          ar);
    }
  }

  /** Aged accounts, 3-8 requests a day, each walking its own disjoint slice of the topics. */
  private static void slowdrip(World w, int n) {
    CampaignVoices.Factory f = factory(w, "campaign-slowdrip", 3, 0.3, 0.8);
    int slice = (int) w.knob("campaign-slowdrip.slice-size", 20, 60);
    double leadIns = w.knob("campaign-slowdrip.lead-in-share", 0, 0.5);
    Settings set =
        new Settings(
            null,
            Dist.pick(w.r, new int[] {4096, 8192, 0}),
            Dist.pick(w.r, new double[] {-1, 0.7, 1}),
            0);
    long base = w.r.nextLong(1L << 40);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      double perDay = Dist.uniform(ar, 3, 8);
      int tz = w.tz(ar);
      String net = ar.nextBoolean() ? World.net24(ar) : World.asn(ar);
      w.add(
          "campaign-slowdrip",
          w.aged(ar, 120, 1500),
          Dist.pick(ar, new String[] {"free", "plus", "api-tier-1", "api-tier-2", "api-tier-3"}),
          cr -> net,
          new Account.Shape(
              perDay / 0.6,
              Rhythm.daily(Rhythm.CHAT, tz, 0.9),
              1,
              1,
              1000,
              0.5,
              1000,
              0.5,
              w.start,
              w.end),
          new Extraction(
              f,
              CampaignVoices.slice(f, base + (long) i * slice, slice),
              set,
              leadIns,
              0.1,
              0,
              null),
          false,
          ar);
    }
  }

  /** API resellers: many end users' genuine traffic plus a minority of their own extraction. */
  private static void reseller(World w, int n) {
    CampaignVoices.Factory f = factory(w, "campaign-reseller", 3, 0.2, 0.7);
    double lo = w.knob("campaign-reseller.share-lo", RESELLER_SHARE_MIN, 0.15);
    double hi = w.knob("campaign-reseller.share-hi", Math.max(lo, 0.15), RESELLER_SHARE_MAX);
    double daily = w.knob("campaign-reseller.requests-per-day", 600, 3000);
    for (int i = 0; i < n; i++) {
      SplittableRandom ar = w.r.split();
      String wrapper =
          ar.nextBoolean()
              ? null
              : "You are "
                  + Dist.pick(ar, new String[] {"Nimbus", "OmniChat", "Brightly", "AskAda"})
                  + ", a helpful AI assistant.";
      Voice[] users = new Voice[Dist.between(ar, 30, 300)];
      for (int u = 0; u < users.length; u++) {
        Settings us =
            new Settings(
                wrapper,
                Dist.pick(ar, BenignPopulations.SDK_MAX_TOKENS),
                Dist.pick(ar, new double[] {-1, 0.7, 1, 0}),
                0);
        users[u] =
            ar.nextDouble() < 0.65
                ? new BenignVoices.Chat(us, 0.2)
                : new BenignVoices.Developer(us);
      }
      Settings own =
          new Settings(
              ar.nextBoolean() ? wrapper : Dist.pick(ar, ExtractionPhrases.SYSTEMS),
              Dist.pick(ar, new int[] {4096, 8192, 16000}),
              Dist.pick(ar, new double[] {0.7, 1, 0}),
              0);
      double share = Dist.uniform(ar, lo, hi);
      double perDay = Dist.logNormal(ar, daily, 0.4);
      double burst = Dist.uniform(ar, 3, 8);
      String[] nets = new String[Dist.between(ar, 1, 3)];
      for (int k = 0; k < nets.length; k++) {
        nets[k] = World.net24(ar);
      }
      w.add(
          "campaign-reseller",
          w.aged(ar, 200, 1500),
          "api-tier-" + Dist.between(ar, 4, 5),
          cr -> Dist.pick(cr, nets),
          new Account.Shape(
              perDay / (burst * 0.7),
              Rhythm.daily(Rhythm.BUSINESS, w.tz(ar), 0.7).floor(0.3),
              burst,
              1,
              1000,
              0.5,
              Dist.uniform(ar, 3, 30) * 1000,
              1.2,
              w.start,
              w.end),
          new CampaignVoices.Reseller(
              users,
              new Extraction(f, f::random, own, 0.2, 0, 0, null),
              share,
              ar.nextBoolean(),
              ar),
          false,
          ar);
    }
  }
}
