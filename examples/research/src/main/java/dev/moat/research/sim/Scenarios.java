package dev.moat.research.sim;

import java.util.List;

/**
 * The named traffic scenarios: which populations, how many accounts, how active.
 *
 * <p>Thread-safe: stateless.
 */
public final class Scenarios {
  private Scenarios() {}

  /**
   * The populations of a scenario at a scale: {@code mixed} (every behaviour; scale 1 is about
   * 3,000 accounts), {@code stealth} (more and slower stealthy campaigns, other benign rates; held
   * out from training) or {@code campaign} (the reported campaign at scale 1: 25,000 accounts
   * sending about 28.8 million requests over 44 days, over a benign background).
   */
  public static List<Population> of(String name, double scale) {
    int k = (int) Math.max(1, Math.round(scale));
    return switch (name) {
      case "mixed" ->
          List.of(
              new Population("casual", Population.Kind.CASUAL, 2000 * k, 6),
              new Population("developers", Population.Kind.DEVELOPER_TOOL, 300 * k, 40),
              new Population("enterprise", Population.Kind.ENTERPRISE_APP, 10 * k, 3000),
              new Population("benchmarks", Population.Kind.BENCHMARK_RUNNER, 20 * k, 300),
              new Population("signups", Population.Kind.NEW_SIGNUP, 400 * k, 3),
              new Population("campaign-hydra", Population.Kind.CAMPAIGN_HYDRA, 200 * k, 26),
              new Population("campaign-stealth", Population.Kind.CAMPAIGN_STEALTH, 40 * k, 20),
              new Population("campaign-split", Population.Kind.CAMPAIGN_SPLIT, 40 * k, 20));
      case "stealth" ->
          List.of(
              new Population("casual", Population.Kind.CASUAL, 2000 * k, 8),
              new Population("developers", Population.Kind.DEVELOPER_TOOL, 300 * k, 60),
              new Population("enterprise", Population.Kind.ENTERPRISE_APP, 10 * k, 2000),
              new Population("benchmarks", Population.Kind.BENCHMARK_RUNNER, 20 * k, 200),
              new Population("signups", Population.Kind.NEW_SIGNUP, 400 * k, 4),
              new Population("campaign-hydra", Population.Kind.CAMPAIGN_HYDRA, 50 * k, 26),
              new Population("campaign-stealth", Population.Kind.CAMPAIGN_STEALTH, 150 * k, 12),
              new Population("campaign-split", Population.Kind.CAMPAIGN_SPLIT, 150 * k, 12));
      case "campaign" ->
          List.of(
              new Population("casual", Population.Kind.CASUAL, 20_000 * k, 6),
              new Population("developers", Population.Kind.DEVELOPER_TOOL, 2_000 * k, 40),
              new Population("enterprise", Population.Kind.ENTERPRISE_APP, 20 * k, 3000),
              // The reported campaign: 25,000 accounts online within its first days, ~28.8M
              // requests over 44 days (26.8 a day each over 42.9 days on average).
              new Population(
                  "campaign-hydra", Population.Kind.CAMPAIGN_HYDRA, 25_000 * k, 26.8, 0.05));
      default ->
          throw new IllegalArgumentException(
              "scenario was '" + name + "' but it must be mixed, stealth or campaign");
    };
  }
}
