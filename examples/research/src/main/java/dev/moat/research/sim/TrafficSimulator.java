package dev.moat.research.sim;

import dev.moat.detect.TraceRecord;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * A seeded generator of API traffic in the trace format: benign populations and their hard
 * look-alikes, and distillation campaigns, as {@link Population}s. Records come out in timestamp
 * order, generated on the fly (a 44-day campaign of 28.8 million requests needs no file), each with
 * the name of its population as the label.
 *
 * <p>Every account draws from its own random stream, split from the seed, so a population's traffic
 * does not change when another population is added. Not thread-safe: one iterator.
 */
public final class TrafficSimulator implements Iterator<TrafficSimulator.Labeled> {
  /** A generated request and the population it came from. */
  public record Labeled(TraceRecord record, String population) {}

  static final long DAY = 86_400_000L;
  static final long HOUR = 3_600_000L;

  private final long end;
  private final List<Population> populations;
  private final PriorityQueue<Account> queue = new PriorityQueue<>();
  private final Prompts prompts;

  /**
   * @param seed fixes everything generated
   * @param start epoch milliseconds of the first possible request
   * @param days how long the traffic runs
   */
  public TrafficSimulator(long seed, long start, double days, List<Population> populations) {
    if (!(days > 0)) {
      throw new IllegalArgumentException("days was " + days + " but it must be > 0");
    }
    this.end = start + (long) (days * DAY);
    this.populations = List.copyOf(populations);
    SplittableRandom master = new SplittableRandom(seed);
    this.prompts = new Prompts(master.split());
    for (int p = 0; p < this.populations.size(); p++) {
      Population pop = this.populations.get(p);
      SplittableRandom popRandom = master.split();
      for (int i = 0; i < pop.accounts(); i++) {
        Account a = new Account(pop, pop.name() + "-" + i, popRandom.split(), i);
        a.activate(start, end);
        if (a.next < end) {
          queue.add(a);
        }
      }
    }
  }

  public List<Population> populations() {
    return populations;
  }

  @Override
  public boolean hasNext() {
    return !queue.isEmpty();
  }

  @Override
  public Labeled next() {
    Account a = queue.poll();
    if (a == null) {
      throw new NoSuchElementException();
    }
    TraceRecord r = a.request(prompts);
    a.schedule();
    if (a.next < end) {
      queue.add(a);
    }
    return new Labeled(r, a.pop.name());
  }

  /** Every account's label, for replay's {@code --labels}. */
  public List<String[]> labels() {
    List<String[]> out = new ArrayList<>();
    for (Population p : populations) {
      for (int i = 0; i < p.accounts(); i++) {
        out.add(new String[] {p.name() + "-" + i, p.name()});
      }
    }
    return out;
  }

  /** One simulated account: its behaviour, its random stream and when it next sends a request. */
  static final class Account implements Comparable<Account> {
    final Population pop;
    final String id;
    final SplittableRandom r;
    final int index;
    long next;
    long created;
    int timezone; // hours east of UTC
    @Nullable String client; // set by activate
    @Nullable String conversation; // null until the first request
    int turn;
    int conversations;
    int burstLeft;
    int sweep; // position in a campaign's topic sweep

    Account(Population pop, String id, SplittableRandom r, int index) {
      this.pop = pop;
      this.id = id;
      this.r = r;
      this.index = index;
    }

    /** Account age, time zone, client, and the first request. */
    void activate(long start, long end) {
      timezone = r.nextInt(-8, 10);
      client = "198.51." + r.nextInt(256) + ".0/24";
      long span = end - start;
      switch (pop.kind()) {
        case CAMPAIGN_HYDRA -> {
          // Accounts come online over the campaign, each created a few days before its first use.
          next = start + (long) (r.nextDouble() * span * pop.onset());
          created = next - (long) (r.nextDouble(0.2, 4) * DAY);
        }
        case NEW_SIGNUP -> {
          next = start + (long) (r.nextDouble() * span);
          created = next - (long) (r.nextDouble(0, 1) * HOUR);
        }
        default -> {
          next = start + (long) (r.nextDouble() * Math.min(span, DAY));
          created = start - (long) (r.nextDouble(30, 900) * DAY);
        }
      }
      if (pop.kind() == Population.Kind.ENTERPRISE_APP) {
        client = "asn:" + (64512 + index % 7);
      }
      if (pop.kind() == Population.Kind.CAMPAIGN_SPLIT) {
        client = "asn:" + (65000 + r.nextInt(400)); // sticky, residential-looking
      }
      sweep = r.nextInt(1 << 20);
      next = Math.max(next, start);
    }

    TraceRecord request(Prompts prompts) {
      Population.Kind k = pop.kind();
      if (conversation == null || turn >= 8 || r.nextDouble() > continuation(k)) {
        conversation = id + "-c" + conversations++;
        turn = 0;
      } else {
        turn++;
      }
      String requestClient = client;
      if (k == Population.Kind.CAMPAIGN_HYDRA) {
        requestClient = r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + ".0/24";
      } else if (k == Population.Kind.CASUAL && r.nextDouble() < 0.05) {
        client = "198.51." + r.nextInt(256) + ".0/24"; // a new network now and then
      }
      Prompts.Prompt p = prompts.next(k, r, sweep++, turn);
      int maxTokens = p.maxTokens();
      int served = Math.max(1, (int) (maxTokens * r.nextDouble(0.2, 1.0)));
      return new TraceRecord(
          next,
          id,
          created,
          p.tier(),
          requestClient,
          conversation,
          turn,
          p.system(),
          p.user(),
          maxTokens,
          p.temperature(),
          p.topLogprobs(),
          served);
    }

    /** Probability that the next request continues the current conversation. */
    private static double continuation(Population.Kind k) {
      return switch (k) {
        case CASUAL, NEW_SIGNUP -> 0.5;
        case DEVELOPER_TOOL -> 0.7;
        case CAMPAIGN_STEALTH -> 0.3;
        default -> 0.0;
      };
    }

    /** When this account sends its next request. */
    void schedule() {
      double perDay = pop.requestsPerDay();
      double mean = DAY / perDay; // mean gap in ms
      long gap;
      switch (pop.kind()) {
        case CAMPAIGN_HYDRA, ENTERPRISE_APP -> {
          // Machine timing around the clock: the campaign near-periodic, the app Poisson.
          gap =
              pop.kind() == Population.Kind.CAMPAIGN_HYDRA
                  ? (long) (mean * r.nextDouble(0.85, 1.15))
                  : (long) exponential(mean);
        }
        case BENCHMARK_RUNNER, DEVELOPER_TOOL -> {
          if (burstLeft > 0) {
            burstLeft--;
            gap =
                pop.kind() == Population.Kind.BENCHMARK_RUNNER
                    ? (long) r.nextDouble(1_500, 2_500) // a harness: regular, seconds apart
                    : (long) r.nextDouble(2_000, 40_000); // an agent loop
          } else {
            burstLeft = pop.kind() == Population.Kind.BENCHMARK_RUNNER ? 40 : r.nextInt(3, 15);
            gap = diurnalGap(mean * (burstLeft + 1));
          }
        }
        default -> gap = diurnalGap(mean);
      }
      next += Math.max(200, gap);
    }

    /** A gap from a Poisson process whose rate follows the account's local waking hours. */
    private long diurnalGap(double mean) {
      // Thinning: candidates at the peak rate, accepted with the hour's relative activity.
      double peakMean = mean * 0.45;
      long t = next;
      while (true) {
        t += (long) exponential(peakMean);
        int hour = (int) (((t / HOUR) + timezone) % 24 + 24) % 24;
        if (r.nextDouble() < ACTIVITY[hour]) {
          return t - next;
        }
      }
    }

    private double exponential(double mean) {
      return -mean * Math.log(1 - r.nextDouble());
    }

    @Override
    public int compareTo(Account o) {
      int c = Long.compare(next, o.next);
      return c != 0 ? c : id.compareTo(o.id);
    }
  }

  /** Relative activity by local hour: low at night, peaks late morning and evening. */
  static final double[] ACTIVITY = {
    0.10, 0.05, 0.03, 0.03, 0.03, 0.05, 0.15, 0.35, 0.60, 0.85, 1.00, 1.00,
    0.90, 0.90, 1.00, 1.00, 0.90, 0.80, 0.80, 0.90, 0.85, 0.60, 0.40, 0.20
  };
}
