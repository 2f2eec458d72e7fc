package dev.moat.research.usage;

import dev.moat.detect.TraceRecord;
import java.util.Collections;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * A second, independent generator of API usage traces with labelled distillation campaigns. Each
 * account is a session process (see the package documentation); the generator merges all of them in
 * timestamp order through a priority queue keyed by each account's next request, so memory is
 * bounded by the number of accounts, not of requests.
 *
 * <p>Deterministic for a seed, start, length and mix. Not thread-safe: one consumer per instance.
 */
public final class UsageGenerator {
  /** How much optional metadata the trace keeps. Immutable and thread-safe. */
  public enum Metadata {
    /** Every field. */
    FULL,
    /**
     * Each optional field is missing for a per-seed share of accounts (0 to 100%, drawn per field),
     * as when traces are joined from several logging sources.
     */
    PARTIAL,
    /** Only ts, account and prompt. */
    MINIMAL
  }

  /**
   * One generated request. Immutable and thread-safe.
   *
   * @param record the request as the detector sees it (metadata already stripped per the mix)
   * @param population the account's population; campaign populations start with {@code campaign-}
   * @param extraction whether this request harvests outputs (false for a campaign's filler and a
   *     reseller's genuine traffic)
   */
  public record Event(TraceRecord record, String population, boolean extraction) {}

  /**
   * The world size and what varies with it. Immutable and thread-safe.
   *
   * @param name the preset's name
   * @param accounts accounts before scaling
   * @param days the preset's default length in days
   * @param scale multiplies the number of accounts
   * @param campaignShareMin the smallest campaign share of accounts a seed may draw
   * @param campaignShareMax the largest
   * @param metadata how much optional metadata to keep
   */
  public record Mix(
      String name,
      int accounts,
      double days,
      double scale,
      double campaignShareMin,
      double campaignShareMax,
      Metadata metadata) {
    public Mix {
      if (accounts < 1) {
        throw new IllegalArgumentException("accounts was " + accounts + ", must be >= 1");
      }
      if (!(scale > 0 && scale <= 100)) {
        throw new IllegalArgumentException("scale was " + scale + ", must be in (0, 100]");
      }
      if (!(campaignShareMin >= 0
          && campaignShareMin <= campaignShareMax
          && campaignShareMax < 1)) {
        throw new IllegalArgumentException(
            "campaign share range was ["
                + campaignShareMin
                + ", "
                + campaignShareMax
                + "], must be within [0, 1)");
      }
    }

    /** About 20,000 accounts over 7 days, 10-20% of them in campaigns. */
    public static Mix standard() {
      return new Mix("standard", 20_000, 7, 1, 0.10, 0.20, Metadata.FULL);
    }

    /** About 2,500 accounts over 2.5 days, for tests. */
    public static Mix small() {
      return new Mix("small", 2_500, 2.5, 1, 0.10, 0.20, Metadata.FULL);
    }

    /** The preset of that name: {@code standard} or {@code small}. */
    public static Mix of(String name) {
      return switch (name) {
        case "standard" -> standard();
        case "small" -> small();
        default ->
            throw new IllegalArgumentException(
                "mix '" + name + "' is not known; use standard or small");
      };
    }

    public Mix withScale(double s) {
      return new Mix(name, accounts, days, s, campaignShareMin, campaignShareMax, metadata);
    }

    public Mix withMetadata(Metadata m) {
      return new Mix(name, accounts, days, scale, campaignShareMin, campaignShareMax, m);
    }
  }

  private final World world;
  private final PriorityQueue<Account> queue =
      new PriorityQueue<>(
          Comparator.<Account>comparingLong(a -> a.next).thenComparingInt(a -> a.seq));
  private final Strip strip;

  /**
   * @param seed draws the world (every knob) and its traffic
   * @param startEpochMs the first instant of the trace
   * @param days the trace's length, in (0, 366]
   * @param mix the world's size and metadata level
   */
  public UsageGenerator(long seed, long startEpochMs, double days, Mix mix) {
    if (!(days > 0 && days <= 366)) {
      throw new IllegalArgumentException("days was " + days + ", must be in (0, 366]");
    }
    if (startEpochMs < 0) {
      throw new IllegalArgumentException("startEpochMs was " + startEpochMs + ", must be >= 0");
    }
    this.world = new World(seed, startEpochMs, days, mix);
    this.strip = new Strip(mix.metadata(), seed, world);
    world.note("metadata", mix.metadata().name().toLowerCase(Locale.ROOT));
    for (Account a : world.accounts) {
      if (a.next < world.end) {
        queue.add(a);
      }
    }
  }

  public boolean hasNext() {
    return !queue.isEmpty();
  }

  /** The next request in timestamp order (ties by account). */
  public Event next() {
    Account a = queue.poll();
    if (a == null) {
      throw new NoSuchElementException("the trace is over");
    }
    Event e = a.fire();
    if (a.next < world.end) {
      queue.add(a);
    }
    return new Event(strip.apply(e.record()), e.population(), e.extraction());
  }

  /** Account to population, for every account of the world (in creation order). */
  public Map<String, String> labels() {
    return Collections.unmodifiableMap(world.labels);
  }

  /** The knobs this seed drew (population sizes, rates, shares), by name, for reports. */
  public Map<String, String> knobs() {
    return Collections.unmodifiableMap(world.knobs);
  }

  /** The end of the trace (exclusive), epoch milliseconds. */
  public long endEpochMs() {
    return world.end;
  }
}
