package dev.moat.research.usage;

import dev.moat.detect.TraceRecord;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Removes optional metadata per the mix's level. With {@code PARTIAL}, each optional field has a
 * per-seed missing share (0 with probability 0.35, 1 with probability 0.25, else uniform in [0.1,
 * 0.9]); whether it is missing is decided per account and field, so an account's records are
 * consistent, as when one logging source never records the field.
 *
 * <p>Immutable and thread-safe.
 */
final class Strip {
  private static final String[] FIELDS = {
    "account_created",
    "tier",
    "client",
    "conversation",
    "turn",
    "system",
    "max_tokens",
    "temperature",
    "top_logprobs",
    "output_tokens"
  };

  private final UsageGenerator.Metadata level;
  private final double[] missing = new double[FIELDS.length];
  private final long salt;

  Strip(UsageGenerator.Metadata level, long seed, World w) {
    this.level = level;
    SplittableRandom r = new SplittableRandom(seed ^ 0x5eed5eedL);
    this.salt = r.nextLong();
    for (int i = 0; i < FIELDS.length; i++) {
      double u = r.nextDouble();
      missing[i] =
          switch (level) {
            case FULL -> 0;
            case MINIMAL -> 1;
            case PARTIAL -> u < 0.35 ? 0 : u < 0.6 ? 1 : Dist.uniform(r, 0.1, 0.9);
          };
      if (level == UsageGenerator.Metadata.PARTIAL) {
        w.note("missing." + FIELDS[i], String.format(Locale.ROOT, "%.2f", missing[i]));
      }
    }
  }

  private boolean drop(int field, long key) {
    double p = missing[field];
    return p >= 1 || (p > 0 && Dist.unit(key + salt + field * 0x9e3779b97f4a7c15L) < p);
  }

  TraceRecord apply(TraceRecord x) {
    if (level == UsageGenerator.Metadata.FULL) {
      return x;
    }
    long k = x.account().hashCode() * 0x2545f4914f6cdd1dL;
    return new TraceRecord(
        x.ts(),
        x.account(),
        drop(0, k) ? -1 : x.accountCreated(),
        drop(1, k) ? "" : x.tier(),
        drop(2, k) ? null : x.client(),
        drop(3, k) ? null : x.conversation(),
        drop(4, k) ? -1 : x.turn(),
        drop(5, k) ? null : x.system(),
        x.prompt(),
        drop(6, k) ? 0 : x.maxTokens(),
        drop(7, k) ? -1 : x.temperature(),
        drop(8, k) ? 0 : x.topLogprobs(),
        drop(9, k) ? 0 : x.outputTokens());
  }
}
