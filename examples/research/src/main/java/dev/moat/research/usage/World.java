package dev.moat.research.usage;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One seed's world: every knob drawn from its range, the populations built from them. Holds the
 * accounts, their labels and a readable list of the drawn knobs.
 *
 * <p>Not thread-safe; built once by {@link UsageGenerator}.
 */
final class World {
  /** Time zones (minutes east of UTC) per region: the Americas, Europe/Africa, Asia/Oceania. */
  private static final int[][] ZONES = {
    {-480, -420, -360, -300, -300, -240, -180},
    {0, 60, 60, 60, 120, 180},
    {330, 420, 480, 480, 540, 600},
  };

  final SplittableRandom r;
  final long start;
  final long end;
  final double days;
  final double size;
  final List<Account> accounts = new ArrayList<>();
  final Map<String, String> labels = new LinkedHashMap<>();
  final Map<String, String> knobs = new LinkedHashMap<>();
  private final Set<String> ids = new HashSet<>();
  private final double[] regions;

  World(long seed, long start, double days, UsageGenerator.Mix mix) {
    this.r = new SplittableRandom(seed);
    this.start = start;
    this.days = days;
    this.end = start + Math.round(days * Dist.DAY);
    this.regions =
        new double[] {
          knob("region.americas", 0.2, 1),
          knob("region.europe", 0.2, 1),
          knob("region.asia", 0.1, 1)
        };
    int total = Math.max(200, (int) Math.round(mix.accounts() * mix.scale()));
    this.size = total / 20_000.0;
    double campaignShare = knob("campaign.share", mix.campaignShareMin(), mix.campaignShareMax());
    int campaign = (int) Math.round(total * campaignShare);
    int benign = total - campaign;
    BenignPopulations.build(this, benign);
    CampaignPopulations.build(this, campaign);
  }

  /** A knob drawn uniformly from [lo, hi] and recorded. */
  double knob(String name, double lo, double hi) {
    double v = Dist.uniform(r, lo, hi);
    knobs.put(name, String.format(Locale.ROOT, "%.4g", v));
    return v;
  }

  /** A count from a knob: {@code round(base)}, at least {@code min}, recorded. */
  int count(String population, double base, int min) {
    int n = Math.max(min, (int) Math.round(base));
    knobs.put("accounts." + population, Integer.toString(n));
    return n;
  }

  void note(String name, String value) {
    knobs.put(name, value);
  }

  /** A fresh opaque account id (nothing in it tells the population). */
  String newId() {
    while (true) {
      String id = "acct_" + Long.toHexString(r.nextLong() | (1L << 63)).substring(4);
      if (ids.add(id)) {
        return id;
      }
    }
  }

  /** A creation time between {@code minDays} and {@code maxDays} before the start (log-uniform). */
  long aged(SplittableRandom ar, double minDays, double maxDays) {
    double d = Math.exp(Dist.uniform(ar, Math.log(minDays), Math.log(maxDays)));
    return start - Math.round(d * Dist.DAY);
  }

  /** A time zone drawn by the world's region weights. */
  int tz(SplittableRandom ar) {
    return Dist.pick(ar, ZONES[Dist.weighted(ar, regions)]);
  }

  /** A time zone in one region (the same draw for a whole group). */
  int tzOfRegion(SplittableRandom ar, int region) {
    return Dist.pick(ar, ZONES[region]);
  }

  int region(SplittableRandom ar) {
    return Dist.weighted(ar, regions);
  }

  /** A residential or office network, as a /24. */
  static String net24(SplittableRandom ar) {
    int a;
    do {
      a = Dist.between(ar, 11, 223);
    } while (a == 127 || a == 100 || a == 169 || a == 172 || a == 192);
    return a + "." + ar.nextInt(256) + "." + ar.nextInt(256) + ".0/24";
  }

  /** An autonomous system (mobile carrier, cloud). */
  static String asn(SplittableRandom ar) {
    return "asn:" + Dist.between(ar, 1_000, 64_000);
  }

  /** Adds an account and its label. */
  Account add(
      String population,
      long created,
      String tier,
      Account.Clients clients,
      Account.Shape shape,
      Voice voice,
      boolean conversationIds,
      SplittableRandom ar) {
    String id = newId();
    Account a =
        new Account(
            id,
            population,
            created,
            tier,
            accounts.size(),
            clients,
            shape.during(Math.max(shape.from(), start), Math.min(shape.until(), end)),
            voice,
            conversationIds,
            ar);
    accounts.add(a);
    labels.put(id, population);
    return a;
  }

  /** The start of the local day containing {@code t}, in a time zone. */
  static long localMidnight(long t, int tzMinutes) {
    long off = tzMinutes * Dist.MINUTE;
    return Math.floorDiv(t + off, Dist.DAY) * Dist.DAY - off;
  }
}
