package dev.moat.research;

import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.KgwScheme;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The radioactivity experiment's teacher step: the bundled model behind Moat answers the campaign
 * prompts once clean and once under each watermark scheme (the harvest a distiller collects); the
 * harvest written as a distiller holds it (with the key id each answer was marked with); and what
 * each scheme costs users (the teacher's perplexity of its own answers).
 *
 * <p>Thread-safe: stateless; {@link #collect} runs the prompts on a pool of its own and returns
 * when every answer is in.
 */
public final class RadioactivityHarvest {
  private RadioactivityHarvest() {}

  /** The harvests' names: {@code clean}, then each scheme's tier. */
  public static List<String> names(Map<String, WatermarkSpec> schemes) {
    List<String> harvests = new ArrayList<>(List.of("clean"));
    schemes.keySet().forEach(s -> harvests.add(RadioactivitySetup.tier(s)));
    return harvests;
  }

  /**
   * Each harvest's answers to prompts {@code 0 .. n} (temperature 1, up to {@code len} tokens,
   * seeded per prompt), by harvest name: one tier per scheme (the ADF-style fingerprint added as a
   * protection of an unprotected tier) and a clean one.
   */
  public static Map<String, int[][]> collect(
      OnnxCausalLm model,
      Map<String, WatermarkSpec> schemes,
      WatermarkKey key,
      int[][] prompts,
      int n,
      int len,
      int threads)
      throws Exception {
    int vocab = model.config().vocabSize();
    int eos = model.config().eosTokenId();
    List<TierPolicy> tiers = new ArrayList<>();
    schemes.forEach(
        (name, spec) ->
            tiers.add(
                name.equals(RadioactivitySetup.ADF)
                    ? TierPolicy.unprotected(RadioactivitySetup.tier(name))
                    : TierPolicy.of(RadioactivitySetup.tier(name), spec, Set.of())));
    tiers.add(TierPolicy.unprotected("clean"));
    Map<String, int[][]> harvest = new HashMap<>();
    Moat.Builder builder =
        Moat.builder()
            .policy(Policy.of("radioactivity", tiers.toArray(new TierPolicy[0])))
            .keys(WatermarkKeys.of(key))
            .audit(x -> {});
    if (schemes.containsKey(RadioactivitySetup.ADF)) {
      builder.addProtection(
          RadioactivitySetup.tier(RadioactivitySetup.ADF),
          new AdfFingerprint(
              KgwScheme.of(
                  key, (KgwSettings) RadioactivitySetup.held(schemes, RadioactivitySetup.ADF)),
              RadioactivitySetup.ADF_DELTA));
    }
    try (Moat moat = builder.build()) {
      OnnxGenerator gen = new OnnxGenerator(model);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        for (String h : names(schemes)) {
          int[][] outs = new int[n][];
          List<Future<?>> jobs = new ArrayList<>();
          for (int p = 0; p < n; p++) {
            int pi = p;
            jobs.add(
                pool.submit(
                    () -> {
                      RequestContext ctx =
                          RequestContext.builder()
                              .account("harvest")
                              .tier(h)
                              .vocabSize(vocab)
                              .prompt("", prompts[pi])
                              .specialTokens(eos)
                              .sampling(
                                  SamplingParams.builder()
                                      .temperature(1f)
                                      .seed(90_000L + pi)
                                      .maxTokens(len)
                                      .build())
                              .build();
                      outs[pi] =
                          gen.generate(prompts[pi], moat.begin(ctx), TokenSink.NONE).tokens();
                      return null;
                    }));
          }
          for (Future<?> f : jobs) {
            f.get();
          }
          harvest.put(h, outs);
        }
      } finally {
        pool.shutdownNow();
      }
    }
    return harvest;
  }

  /**
   * The harvest as a distiller holds it, with the key id each answer was marked with: one JSON line
   * per answer.
   */
  public static void write(
      Path file, List<String> harvests, Map<String, int[][]> harvest, int n, WatermarkKey key)
      throws java.io.IOException {
    StringBuilder jl = new StringBuilder();
    for (String h : harvests) {
      for (int p = 0; p < n; p++) {
        jl.append("{\"prompt\": ")
            .append(p)
            .append(", \"harvest\": \"")
            .append(h)
            .append("\", \"key_id\": ")
            .append(h.equals("clean") ? "null" : "\"" + key.id() + "\"")
            .append(", \"tokens\": ")
            .append(Arrays.toString(RadioactivitySetup.held(harvest, h)[p]))
            .append("}\n");
      }
    }
    Files.writeString(file, jl);
  }

  /** The cost table: the teacher's perplexity of each harvest's answers. */
  public static String cost(
      OnnxCausalLm model,
      int[][] prompts,
      int n,
      List<String> harvests,
      Map<String, int[][]> harvest)
      throws Exception {
    StringBuilder cost =
        new StringBuilder(
            "| harvest | teacher perplexity of its answers (the cost) |\n|---|---|\n");
    boolean[] english = new boolean[n];
    int[][] harvestPrompts = Arrays.copyOfRange(prompts, 0, n);
    for (String h : harvests) {
      cost.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f |%n",
              h,
              QualityRuns.perplexity(
                  model, harvestPrompts, RadioactivitySetup.held(harvest, h), english)[0]));
    }
    return cost.toString();
  }
}
