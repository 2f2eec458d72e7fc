package dev.moat.detect;

import org.jspecify.annotations.Nullable;

/**
 * How one account (or client) sends its requests, as O(1) streaming statistics: the request count,
 * the regularity of the gaps between requests (mean and spread of their logarithm, by Welford's
 * method), when in the day it is active (a 24-bin histogram of UTC hours, whose entropy is near its
 * maximum for traffic around the clock and lower for a person's waking hours), how many distinct
 * clients it uses (a 64-bit linear-counting bitmap), how many distinct request settings it sends
 * (system prompt, {@code max_tokens} and temperature together, another such bitmap: {@link
 * #manyHands}), and how old the account was at its first request. Behaviour, not wording: it says
 * the same about paraphrased prompts.
 *
 * <p>About 200 bytes. Not thread-safe: the owner serialises updates (one account's requests).
 */
public final class Activity {
  private static final long HOUR = 3_600_000L;

  private long requests;
  private long firstTs = Long.MIN_VALUE;
  private long lastTs;
  private long ageAtFirstMillis = -1;
  private final int[] hours = new int[24];
  // Σ c·ln(c) over the hour bins, kept as bins grow, so that the entropy costs one logarithm.
  private double hourMass;
  private long clientBits;
  private long settingsBits;
  // Welford over ln(gap seconds + 1).
  private long gaps;
  private double gapMean;
  private double gapM2;
  // The times of the four requests before the latest (oldest first): a burst is five in BURST_MS.
  private long back4;
  private long back3;
  private long back2;
  private long back1;
  private int bursts;

  /** Five requests within this many milliseconds are a burst: a script or a tool loop. */
  static final long BURST_MS = 120_000;

  /**
   * A request this soon after the account's previous one is not at a person's pace: reading an
   * answer and writing the next question takes longer, a tool loop or a script does not.
   */
  static final long PACED_MS = 10_000;

  /**
   * Requests, over at least a day, before {@link #sleepless} reads the hours of the day: fewer say
   * little about a night.
   */
  static final int SLEEPLESS_REQUESTS = 24;

  /**
   * Distinct request settings (bits of the settings bitmap, so at least this many settings) from
   * which {@link #manyHands} reads a key that many people use.
   */
  static final int MANY_HANDS = 8;

  private static final long DAY = 24 * HOUR;

  /** An account (or client) with no requests yet. */
  public Activity() {}

  /** The hours of the day (UTC) in which it has sent requests: 0 to 24. */
  public int activeHours() {
    int n = 0;
    for (int c : hours) {
      n += c > 0 ? 1 : 0;
    }
    return n;
  }

  /** Records a request at {@code ts} from {@code client} (null if unknown). */
  public void record(long ts, long accountCreated, @Nullable String client) {
    record(ts, accountCreated, client, 0);
  }

  /**
   * Records a request at {@code ts} from {@code client} (null if unknown) with the request settings
   * {@code setting} ({@link #setting}); returns whether its settings reached {@link #manyHands}
   * with it.
   */
  boolean record(long ts, long accountCreated, @Nullable String client, long setting) {
    if (requests == 0) {
      firstTs = ts;
      ageAtFirstMillis = accountCreated >= 0 ? Math.max(0, ts - accountCreated) : -1;
    } else {
      if (ageAtFirstMillis < 0 && accountCreated >= 0) {
        // A trace may give the creation time on some lines only: the first one that does counts.
        ageAtFirstMillis = Math.max(0, firstTs - accountCreated);
      }
      double x = Math.log1p(Math.max(0, ts - lastTs) / 1000.0);
      gaps++;
      double d = x - gapMean;
      gapMean += d / gaps;
      gapM2 += d * (x - gapMean);
    }
    if (requests >= 4 && ts - back4 <= BURST_MS) {
      bursts++;
    }
    back4 = back3;
    back3 = back2;
    back2 = back1;
    back1 = ts;
    requests++;
    lastTs = ts;
    int hour = (int) Math.floorMod(ts / HOUR, 24L);
    int c = ++hours[hour];
    hourMass += xlnx(c) - xlnx(c - 1);
    if (client != null) {
      clientBits |= 1L << (MinHash.mix(client.hashCode()) >>> 58);
    }
    boolean before = manyHands();
    settingsBits |= 1L << (MinHash.mix(setting) >>> 58);
    return !before && manyHands();
  }

  /**
   * Records {@code r}, whose system prompt has the key {@code systemKey} ({@code 0} without one);
   * returns whether its settings reached {@link #manyHands} with it.
   */
  boolean record(TraceRecord r, long systemKey) {
    return record(
        r.ts(), r.accountCreated(), r.client(), setting(systemKey, r.maxTokens(), r.temperature()));
  }

  /**
   * A request's settings as one value: its system prompt's key ({@code 0} without one), {@code
   * max_tokens} ({@code 0} if not given) and temperature (negative if not given). A trace that
   * gives none of them gives every request the same value.
   */
  static long setting(long systemKey, int maxTokens, double temperature) {
    long t = temperature < 0 ? -1 : Double.doubleToLongBits(temperature);
    return MinHash.mix(systemKey ^ MinHash.mix(maxTokens * 0x9E3779B97F4A7C15L ^ MinHash.mix(t)));
  }

  /**
   * Whether its requests came with at least {@link #MANY_HANDS} distinct settings ({@link
   * #setting}): a key that many people use through their own tools (a reseller's, a gateway's)
   * carries each one's system prompt, {@code max_tokens} and temperature, where one person's SDK, a
   * product's backend, a script or an agent sends one to a few. Measured on the third and fourth
   * generators' 28 worlds (distinct triples over each account's week; session 46): no benign
   * account sent more than 4 but one eval runner (8, after 88 hours and 11,398 requests), and all
   * 365 resellers on the 17 worlds that give the fields sent 8 or more, within 0.6 hours of their
   * first request on the fourth's seed 109 and 2.3 on the third's seed 13. Blind where a trace
   * gives none of the three fields, and to a reseller that sends every request with the same
   * settings.
   */
  public boolean manyHands() {
    return Long.bitCount(settingsBits) >= MANY_HANDS;
  }

  /** The bits set in the settings bitmap: a lower bound on distinct settings (saturates at 64). */
  public int settingsSeen() {
    return Long.bitCount(settingsBits);
  }

  /**
   * Whether a request at {@code ts}, not yet recorded, comes at a person's pace: at least {@link
   * #PACED_MS} after the previous one and not the fifth within {@link #BURST_MS}.
   */
  boolean paced(long ts) {
    return requests == 0 || (ts - lastTs >= PACED_MS && (requests < 4 || ts - back4 > BURST_MS));
  }

  /**
   * Whether it sends around the clock without a night: over at least a day and {@link
   * #SLEEPLESS_REQUESTS} requests, its quietest six consecutive hours of the day (UTC, in any time
   * zone the same hours) hold at least an eighth of its requests. Traffic spread evenly over the
   * day puts a quarter there; a person's night, or a working day's, holds few or none, however many
   * requests a heavy user sends. A script, an agent on a timer, a shared key worked in shifts, or
   * an operation spreading its requests over the day does not sleep.
   */
  public boolean sleepless() {
    if (requests < SLEEPLESS_REQUESTS || lastTs - firstTs < DAY) {
      return false;
    }
    return 8L * quietestSixHours() >= requests;
  }

  /** The requests in the six consecutive hours of the day (UTC, circular) that hold the fewest. */
  int quietestSixHours() {
    int window = 0;
    for (int h = 0; h < 6; h++) {
      window += hours[h];
    }
    int min = window;
    for (int h = 1; h < 24; h++) {
      window += hours[(h + 5) % 24] - hours[h - 1];
      min = Math.min(min, window);
    }
    return min;
  }

  public long requests() {
    return requests;
  }

  /** Writes the statistics (for {@link Detector#snapshot}) in the layout of {@code version}. */
  void write(java.io.DataOutput out, int version) throws java.io.IOException {
    out.writeLong(requests);
    out.writeLong(firstTs);
    out.writeLong(lastTs);
    out.writeLong(ageAtFirstMillis);
    for (int h : hours) {
      out.writeInt(h);
    }
    out.writeDouble(hourMass);
    out.writeLong(clientBits);
    out.writeLong(gaps);
    out.writeDouble(gapMean);
    out.writeDouble(gapM2);
    if (version >= 4) {
      out.writeLong(back4);
      out.writeLong(back3);
      out.writeLong(back2);
      out.writeLong(back1);
      out.writeInt(bursts);
    }
    if (version >= 10) {
      out.writeLong(settingsBits);
    }
  }

  /**
   * Reads what {@link #write} wrote, into this (new) instance; before version 4 no burst was
   * recorded, and the burst window starts afresh; before version 10 no settings were, and they
   * count afresh.
   */
  void read(java.io.DataInput in, int version) throws java.io.IOException {
    requests = in.readLong();
    firstTs = in.readLong();
    lastTs = in.readLong();
    ageAtFirstMillis = in.readLong();
    for (int i = 0; i < hours.length; i++) {
      hours[i] = in.readInt();
    }
    hourMass = in.readDouble();
    clientBits = in.readLong();
    gaps = in.readLong();
    gapMean = in.readDouble();
    gapM2 = in.readDouble();
    if (version >= 4) {
      back4 = in.readLong();
      back3 = in.readLong();
      back2 = in.readLong();
      back1 = in.readLong();
      bursts = in.readInt();
    }
    if (version >= 10) {
      settingsBits = in.readLong();
    }
  }

  /** Time of the latest request (epoch ms), or 0 before the first. */
  public long lastTs() {
    return lastTs;
  }

  /** Mean of ln(1 + gap in seconds); 0 before the second request. */
  public double logGapMean() {
    return gapMean;
  }

  /**
   * Standard deviation of ln(1 + gap in seconds): near 0 for a timer, about 1.3 for a Poisson
   * process (the spread of the log of an exponential), larger for bursts and nights.
   */
  public double logGapSpread() {
    return gaps < 2 ? 0 : Math.sqrt(gapM2 / (gaps - 1));
  }

  /**
   * Entropy of the hour-of-day histogram in bits: log2(24) = 4.58 for activity around the clock.
   */
  public double hourEntropy() {
    if (requests == 0) {
      return 0;
    }
    // H = ln N - (Σ c ln c) / N, in bits.
    double h = (Math.log((double) requests) - hourMass / requests) / Math.log(2);
    return Math.max(0, h);
  }

  private static final double[] XLNX = new double[1024];

  static {
    for (int c = 1; c < XLNX.length; c++) {
      XLNX[c] = c * Math.log(c);
    }
  }

  private static double xlnx(int c) {
    return c < XLNX.length ? XLNX[c] : c * Math.log(c);
  }

  /** Estimated distinct clients (linear counting over 64 bits; saturates near 250). */
  public double distinctClients() {
    int set = Long.bitCount(clientBits);
    if (set == 0) {
      return 0;
    }
    if (set == 64) {
      return 64 * Math.log(64); // saturated
    }
    return -64 * Math.log(1 - set / 64.0);
  }

  /** Time of the first request (epoch ms), or {@link Long#MIN_VALUE} before it. */
  public long firstTs() {
    return firstTs;
  }

  /** When the account was created (epoch ms) as any of its requests said, or -1 if none did. */
  long created() {
    return ageAtFirstMillis < 0 ? -1 : firstTs - ageAtFirstMillis;
  }

  /** Account age in days at its first request, or -1 if unknown. */
  public double ageAtFirstDays() {
    return ageAtFirstMillis < 0 ? -1 : ageAtFirstMillis / 86_400_000.0;
  }

  /**
   * Requests that were the fifth or later within {@link #BURST_MS} (two minutes): machine speed, as
   * a script, a harness or an agent's tool loop sends, and a person reading each answer does not.
   */
  public int bursts() {
    return bursts;
  }

  /** Requests per day since the first one (the first day counts as at least one day). */
  public double requestsPerDay() {
    double days = Math.max(1, (lastTs - firstTs) / 86_400_000.0);
    return requests / days;
  }
}
