package dev.moat.research.sim;

import java.util.Objects;

/**
 * One population of simulated accounts: how many, what kind, and how active.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the population's label ({@code campaign…} for positives), as replay's labels use it
 * @param kind how its accounts behave
 * @param accounts how many accounts
 * @param requestsPerDay mean requests per account per day
 * @param onset for the templated campaign, the fraction of the run over which its accounts come
 *     online (others start within the first day)
 */
public record Population(
    String name, Kind kind, int accounts, double requestsPerDay, double onset) {
  /** A population whose campaign accounts, if any, come online over 90% of the run. */
  public Population(String name, Kind kind, int accounts, double requestsPerDay) {
    this(name, kind, accounts, requestsPerDay, 0.9);
  }

  public Population {
    if (!(onset > 0 && onset <= 1)) {
      throw new IllegalArgumentException("onset was " + onset + " but it must be in (0, 1]");
    }
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    if (accounts < 0) {
      throw new IllegalArgumentException("accounts was " + accounts + " but it must be >= 0");
    }
    if (!(requestsPerDay > 0) || requestsPerDay > 1e6) {
      throw new IllegalArgumentException(
          "requestsPerDay was " + requestsPerDay + " but it must be in (0, 1e6]");
    }
  }

  /** Whether the population is a distillation campaign (a positive). */
  public boolean campaign() {
    return kind.campaign;
  }

  /** Behaviours: five benign look-alikes and the campaigns. */
  public enum Kind {
    /** People asking everyday questions by day, in short conversations. */
    CASUAL(false),
    /** Developers behind one coding tool: the same long system prompt, agentic bursts. */
    DEVELOPER_TOOL(false),
    /** An enterprise app: one template at high volume, around the clock, few clients. */
    ENTERPRISE_APP(false),
    /** Researchers running benchmarks: many "think step by step" questions in bursts. */
    BENCHMARK_RUNNER(false),
    /** New sign-ups trying things out: young accounts, a few requests. */
    NEW_SIGNUP(false),
    /**
     * The large templated campaign: young accounts, templated chain-of-thought prompts swept over
     * software engineering, agentic and planning tasks, machine timing around the clock, long
     * outputs, rotating clients.
     */
    CAMPAIGN_HYDRA(true),
    /** Stealthy: aged accounts, paraphrased prompts, human-like diurnal timing, filler chatter. */
    CAMPAIGN_STEALTH(true),
    /**
     * Stealthy: sticky clients and the topic sweep split across accounts, no chain-of-thought cue.
     */
    CAMPAIGN_SPLIT(true);

    final boolean campaign;

    Kind(boolean campaign) {
      this.campaign = campaign;
    }
  }
}
