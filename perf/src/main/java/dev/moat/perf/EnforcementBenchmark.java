package dev.moat.perf;

import dev.moat.RequestContext;
import dev.moat.enforce.Admission;
import dev.moat.enforce.Budget;
import dev.moat.enforce.Enforcer;
import dev.moat.enforce.Level;
import dev.moat.enforce.Pacing;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.TokenHistory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Enforcement's costs: an admission decision (account, client and group budgets, each a Bucket4j
 * bucket in a Caffeine cache, and the release at the end) over 10,000 accounts, and the tarpit's
 * per-token hold.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar EnforcementBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EnforcementBenchmark {
  /** Scopes per admission: the account alone, or account, client and group. */
  @Param({"account", "account+client+group"})
  public String scopes;

  private Enforcer enforcer;
  private String[] accounts;
  private String[] clients;
  private RequestProtection pacer;
  private int next;

  @Setup(org.openjdk.jmh.annotations.Level.Trial)
  public void setUp() {
    enforcer =
        Enforcer.builder()
            .budgets(Map.of("free", new Budget(1_000_000, 1_000_000_000, 0, 64)))
            .levels(Map.of(1, Level.builder(1).budgetScale(0.5).build()))
            .maxDelay(Duration.ofSeconds(1))
            .maximumScopes(1_000_000)
            .idleExpiry(Duration.ofHours(1))
            .build();
    accounts = new String[10_000];
    clients = new String[accounts.length];
    for (int i = 0; i < accounts.length; i++) {
      accounts[i] = "account-" + i;
      clients[i] = "198.51." + (i % 256) + ".0/24";
    }
    pacer =
        Pacing.of(100_000)
            .begin(RequestContext.builder().account("a").tier("free").vocabSize(8).build());
  }

  /** Admit and finish one request. */
  @Benchmark
  public Admission admitAndFinish() {
    int i = next;
    next = next + 1 == accounts.length ? 0 : next + 1;
    boolean all = scopes.length() > 7;
    Admission a =
        enforcer.admit(
            "free",
            accounts[i],
            all ? clients[i] : null,
            all ? "g-" + (i & 63) : null,
            0,
            500,
            1000);
    enforcer.finish(a, 700);
    return a;
  }

  /** An empty history: pacing reads only its clock, never the tokens. */
  private static final TokenHistory NO_HISTORY =
      new TokenHistory() {
        @Override
        public int length() {
          return 0;
        }

        @Override
        public int promptLength() {
          return 0;
        }

        @Override
        public int get(int index) {
          throw new IndexOutOfBoundsException(index);
        }
      };

  /** The tarpit's decision for one token. */
  @Benchmark
  public long pacingHold() {
    return pacer.onToken(1, NO_HISTORY);
  }
}
