package dev.moat.research.usage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The voices of distillation campaigns: a campaign's prompt factory (its template subset,
 * paraphrase strength and topic spaces), the ways its accounts walk the topics (a shared sweep, a
 * disjoint slice, or at random), and the reseller that mixes genuine end-user traffic with
 * extraction.
 *
 * <p>Not thread-safe.
 */
final class CampaignVoices {
  private CampaignVoices() {}

  private static final String[] FOLLOW_UPS = {
    "Now critique your solution, find its weaknesses and give an improved version, again showing"
        + " all of your reasoning.",
    "Continue. Show the remaining steps in full detail.",
    "Explain the same solution again, but more rigorously and step by step.",
    "Give an alternative approach and compare both, reasoning step by step.",
  };

  /** One campaign's prompt factory; shared by its accounts. */
  static final class Factory {
    private final List<List<String>> templates = new ArrayList<>();
    private final double[] domainWeights;
    final double strength;
    private final long[] cursors = new long[3];
    private final long total;
    private final long permA;
    private final long permB;

    /**
     * @param templatesPerDomain how many of each domain's templates the campaign uses (0: none)
     * @param domainWeights how often each domain is asked
     * @param strength paraphrase strength in [0, 1]
     */
    Factory(int[] templatesPerDomain, double[] domainWeights, double strength, SplittableRandom r) {
      this.domainWeights = domainWeights.clone();
      this.strength = strength;
      for (int d = 0; d < 3; d++) {
        List<String> all = new ArrayList<>(List.of(ExtractionPhrases.TEMPLATES[d]));
        List<String> mine = new ArrayList<>();
        int k = Math.max(1, Math.min(all.size(), templatesPerDomain[d]));
        for (int i = 0; i < k; i++) {
          mine.add(all.remove(r.nextInt(all.size())));
        }
        templates.add(mine);
        if (templatesPerDomain[d] <= 0) {
          this.domainWeights[d] = 0;
        }
        cursors[d] = r.nextLong(ExtractionPhrases.topics(d));
      }
      long t = 0;
      for (int d = 0; d < 3; d++) {
        t += ExtractionPhrases.topics(d);
      }
      total = t;
      long a;
      do {
        a = 1 + r.nextLong(total - 1);
      } while (gcd(a, total) != 1);
      permA = a;
      permB = r.nextLong(total);
    }

    private static long gcd(long a, long b) {
      return b == 0 ? a : gcd(b, a % b);
    }

    /** The next topic of the campaign's shared sweep (nested loops over a domain's lists). */
    long sweep(SplittableRandom r) {
      int d = Dist.weighted(r, domainWeights);
      return offset(d) + Math.floorMod(cursors[d]++, ExtractionPhrases.topics(d));
    }

    /** A random topic. */
    long random(SplittableRandom r) {
      int d = Dist.weighted(r, domainWeights);
      return offset(d) + r.nextLong(ExtractionPhrases.topics(d));
    }

    /**
     * Topic {@code i} of the campaign's own shuffled order over all domains: slices [a, b) of it
     * are disjoint for disjoint index ranges.
     */
    long shuffled(long i) {
      return Math.floorMod(permA * Math.floorMod(i, total) + permB, total);
    }

    private static long offset(int d) {
      long o = 0;
      for (int i = 0; i < d; i++) {
        o += ExtractionPhrases.topics(i);
      }
      return o;
    }

    /** The prompt for a topic id (over all domains). */
    String prompt(long topic, SplittableRandom r) {
      int d = 0;
      long i = topic;
      while (d < 2 && i >= ExtractionPhrases.topics(d)) {
        i -= ExtractionPhrases.topics(d);
        d++;
      }
      final int domain = d;
      final long index = i;
      String tpl = Dist.pick(r, templates.get(domain));
      String text =
          Template.expand(tpl, n -> ExtractionPhrases.slot(domain, index, n), strength, r);
      return Template.reorder(text, strength * 0.4, r);
    }
  }

  /** How an account chooses its next topic. */
  @FunctionalInterface
  interface Walk {
    long next(SplittableRandom r);
  }

  /** A disjoint slice [from, from + size) of a campaign's shuffled topic order, walked in order. */
  static Walk slice(Factory f, long from, int size) {
    long[] pos = {0};
    return r -> f.shuffled(from + (pos[0]++ % size));
  }

  /**
   * Extraction, optionally dressed up: lead-ins, typing noise, and a share of filler chat that is
   * not extraction.
   */
  record Extraction(
      Factory f,
      Walk walk,
      BenignVoices.Settings s,
      double leadIns,
      double noise,
      double filler,
      @Nullable Voice fillerVoice)
      implements Voice {
    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      if (fillerVoice != null && t.turn == 0 && r.nextDouble() < filler) {
        return fillerVoice.speak(t, r);
      }
      String p;
      if (t.turn > 0) {
        p = Dist.pick(r, FOLLOW_UPS);
      } else {
        p = f.prompt(walk.next(r), r);
        if (r.nextDouble() < leadIns) {
          p = Dist.pick(r, ExtractionPhrases.LEAD_INS) + p;
        }
      }
      p = Template.noise(p, noise, r);
      // Elicited reasoning traces are long: median 1,400 tokens, capped by max_tokens.
      return s.say(t.ts, p, Voice.served(r, 1400, 0.6, s.maxTokens()), true);
    }
  }

  /**
   * A reseller: genuine traffic from its end users (each with a running conversation) and, with
   * probability {@code share}, an extraction request of its own.
   */
  static final class Reseller implements Voice {
    private final Voice[] users;
    private final @Nullable String[] conversation;
    private final int[] turns;
    private final Extraction extraction;
    private final double share;
    private final boolean ids;
    private final long salt;
    private long counter;

    Reseller(Voice[] users, Extraction extraction, double share, boolean ids, SplittableRandom r) {
      this.users = users;
      this.conversation = new String[users.length];
      this.turns = new int[users.length];
      this.extraction = extraction;
      this.share = share;
      this.ids = ids;
      this.salt = r.nextLong();
    }

    double share() {
      return share;
    }

    private String newId() {
      return "rs_" + Long.toHexString(Dist.mix(salt + ++counter) | (1L << 60)).substring(1, 13);
    }

    @Override
    public Utterance speak(Turn t, SplittableRandom r) {
      if (r.nextDouble() < share) {
        t.conversation = ids ? newId() : null;
        t.turn = 0;
        return extraction.speak(t, r);
      }
      // A few heavy end users and a long tail.
      double x = r.nextDouble();
      int u = (int) (users.length * x * x * x);
      if (conversation[u] == null || r.nextDouble() < 0.5) {
        conversation[u] = newId();
        turns[u] = 0;
      } else {
        turns[u]++;
      }
      t.conversation = ids ? conversation[u] : null;
      t.turn = turns[u];
      return users[u].speak(t, r);
    }
  }
}
