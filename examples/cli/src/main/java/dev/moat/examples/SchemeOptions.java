package dev.moat.examples;

import dev.moat.examples.cli.Range;
import dev.moat.examples.cli.UsageException;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The options that choose a scheme's parameters, shared by {@code ./moat keys} and {@code ./moat
 * evidence}: {@code --scheme kgw[,gumbel] --gamma 0.25 --delta 2 --context-width 1 --seeding
 * lefthash} for KGW, {@code --context-width} for Gumbel. Each is null when not given, so that
 * {@code evidence} can refuse them next to {@code --commitments}. Not thread-safe: picocli sets its
 * fields.
 */
final class SchemeOptions {
  @Option(names = "--scheme", paramLabel = "kgw|gumbel[,...]", description = "Default: kgw.")
  @Nullable String scheme;

  @Option(
      names = "--gamma",
      paramLabel = "X",
      description = "KGW's green-list fraction (default: 0.25).")
  @Range(min = 1e-6, max = 1 - 1e-6)
  @Nullable Double gamma;

  @Option(names = "--delta", paramLabel = "X", description = "KGW's green-list bias (default: 2).")
  @Range(min = 0, max = 20)
  @Nullable Double delta;

  @Option(
      names = "--context-width",
      paramLabel = "N",
      description = "Context tokens hashed (default: 1).")
  @Range(min = 1, max = 64)
  @Nullable Integer contextWidth;

  @Option(
      names = "--seeding",
      paramLabel = "SEEDING",
      description = "KGW: lefthash (default) or selfhash.")
  @Nullable String seeding;

  /** The scheme options given, by name, in the order above. */
  List<String> given() {
    Map<String, @Nullable Object> all = new LinkedHashMap<>();
    all.put("--scheme", scheme);
    all.put("--gamma", gamma);
    all.put("--delta", delta);
    all.put("--context-width", contextWidth);
    all.put("--seeding", seeding);
    List<String> given = new ArrayList<>();
    all.forEach(
        (name, value) -> {
          if (value != null) {
            given.add(name);
          }
        });
    return given;
  }

  /** The schemes of {@code --scheme} for the key {@code keyId}, with their parameters. */
  List<WatermarkSpec> specs(String keyId) {
    List<WatermarkSpec> specs = new ArrayList<>();
    for (String s : (scheme != null ? scheme : "kgw").split(",", 0)) {
      int h = contextWidth != null ? contextWidth : 1;
      switch (s.strip()) {
        case "kgw" -> {
          String seed = seeding != null ? seeding : "lefthash";
          if (!seed.equals("lefthash") && !seed.equals("selfhash")) {
            throw new UsageException(
                "--seeding was '" + seed + "' but it must be lefthash or selfhash");
          }
          specs.add(
              KgwSettings.builder()
                  .keyId(keyId)
                  .gamma(gamma != null ? gamma : 0.25)
                  .delta(delta != null ? delta : 2.0)
                  .contextWidth(h)
                  .selfHash(seed.equals("selfhash"))
                  .build());
        }
        case "gumbel" -> specs.add(new GumbelSettings(keyId, h));
        default ->
            throw new UsageException(
                "--scheme was '" + s + "' but it must be kgw, gumbel or a list of them");
      }
    }
    return specs;
  }
}
