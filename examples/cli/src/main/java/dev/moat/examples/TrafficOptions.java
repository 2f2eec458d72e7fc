package dev.moat.examples;

import dev.moat.examples.cli.Range;
import dev.moat.examples.cli.UsageException;
import dev.moat.research.usage.UsageGenerator;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The options of simulated traffic, shared by {@code ./moat simulate} and {@code ./moat replay
 * --simulate}: which generator, how much traffic over how long, the seed, and how much metadata the
 * records keep. Not thread-safe: picocli sets its fields.
 */
final class TrafficOptions {
  @Option(
      names = "--scale",
      paramLabel = "X",
      description = "Traffic scale (default: ${DEFAULT-VALUE}).")
  @Range(min = 0.01, max = 100)
  double scale = 1;

  @Option(
      names = "--days",
      paramLabel = "X",
      description = "Days of traffic (default: 7; campaign: 44).")
  @Range(min = 0.01, max = 366)
  @Nullable Double days;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Simulation seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(
      names = "--generator",
      paramLabel = "NAME",
      description = "sim (default) or usage (the independent generator, dev.moat.research.usage).")
  String generator = "sim";

  @Option(
      names = "--metadata",
      paramLabel = "LEVEL",
      description = "With --generator usage: full (default), partial or minimal.")
  String metadata = "full";

  @Option(
      names = "--strip-metadata",
      description =
          "Drop account age, client, temperature, turns and tier, as traces from"
              + " elsewhere often lack them.")
  boolean stripMetadata;

  /**
   * Whether {@code --generator usage} (the independent generator, {@code dev.moat.research.usage})
   * was asked for rather than the default {@code sim}.
   */
  boolean usage() {
    if (!generator.equals("sim") && !generator.equals("usage")) {
      throw new UsageException("--generator was '" + generator + "' but it must be sim or usage");
    }
    return generator.equals("usage");
  }

  /** The level of {@code TrainDetectorCommand.strip}: 2 with --strip-metadata, else 0. */
  int strip() {
    return stripMetadata ? 2 : 0;
  }

  /** {@code --days}, else {@code dflt}. */
  double days(double dflt) {
    return days != null ? days : dflt;
  }

  /**
   * The usage generator for {@code --OPTION standard|small} ({@code name}, null: standard) and
   * --scale, --days, --seed, --metadata.
   */
  UsageGenerator usageGenerator(String option, @Nullable String name, long start) {
    String mixName = name != null ? name : "standard";
    UsageGenerator.Mix mix;
    UsageGenerator.Metadata meta;
    try {
      mix = UsageGenerator.Mix.of(mixName);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "--"
              + option
              + " was '"
              + mixName
              + "' but with --generator usage it must be standard or small");
    }
    try {
      meta = UsageGenerator.Metadata.valueOf(metadata.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "--metadata was '" + metadata + "' but it must be full, partial or minimal");
    }
    mix = mix.withScale(scale).withMetadata(meta);
    return new UsageGenerator(seed, start, days(mix.days()), mix);
  }
}
