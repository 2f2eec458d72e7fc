package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moat.enforce.BigramProxy;
import dev.moat.key.WatermarkKey;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.WatermarkKeys;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The whole per-request pipeline, pinned: for every watermark scheme and every level effect (keyed
 * noise, anti-distillation, temperature jitter, pacing, logprob noise and rounding, and all of them
 * at once), a request of 48 steps over seeded logits gives the digest of everything the host sees:
 * each processed row (the host-samples path), each sampled token, whether it is held and each
 * shaped logprob. The digests were recorded before the pipeline was restructured into one compiled
 * list of protections; any change to them is a change in outputs, which restructuring must not
 * make.
 */
class PipelineGoldenTest {
  static final WatermarkKey NOISE =
      WatermarkKey.ofHex("noise1", "000102030405060708090a0b0c0d0e0f");
  static final WatermarkKey WM = WatermarkKey.ofHex("wm1", "0f0e0d0c0b0a09080706050403020100");
  static final int VOCAB = 257;

  static final Map<String, String> SCHEMES = new LinkedHashMap<>();
  static final Map<String, String> LEVELS = new LinkedHashMap<>();

  static {
    SCHEMES.put("none", "{}");
    SCHEMES.put("kgw", "{watermark: {scheme: kgw, key: wm1, gamma: 0.25, delta: 2.0}");
    SCHEMES.put(
        "kgw-w3-dedup", "{watermark: {scheme: kgw, key: wm1, context_width: 3, dedup: request}");
    SCHEMES.put(
        "kgw-entropy",
        "{watermark: {scheme: kgw, key: wm1, context_width: 1, entropy_threshold: 0.5}");
    SCHEMES.put(
        "kgw-selfhash", "{watermark: {scheme: kgw, key: wm1, context_width: 2, seeding: selfhash}");
    SCHEMES.put("kgw-hf", "{watermark: {scheme: kgw-hf, key: wm1, vocab_size: " + VOCAB + "}");
    SCHEMES.put("gumbel", "{watermark: {scheme: gumbel, key: wm1}");
    LEVELS.put("level0", "");
    LEVELS.put("noise", "keyed_noise_kl: 0.125");
    LEVELS.put("anti", "anti_distillation_kl: 0.1");
    LEVELS.put("jitter", "temperature_jitter: 0.3");
    LEVELS.put("pacing", "pacing_tokens_per_second: 20");
    LEVELS.put("logprobs", "logprobs_noise: 0.5, logprobs_digits: 2");
    LEVELS.put(
        "all",
        "keyed_noise_kl: 0.125, anti_distillation_kl: 0.1, temperature_jitter: 0.3,"
            + " pacing_tokens_per_second: 20, logprobs_noise: 0.5, logprobs_digits: 2");
  }

  static String policy(String scheme, String level) {
    String tier = SCHEMES.get(scheme);
    String esc = "escalation: {rules: [{score: 0.0, level: 2}]}";
    tier = tier.equals("{}") ? "{" + esc + "}" : tier + ", " + esc + "}";
    String lv = LEVELS.get(level);
    return "version: 1\ntiers:\n  free: "
        + tier
        + "\nenforcement:\n  noise_key: noise1\n  levels:\n    - {level: 2"
        + (lv.isEmpty() ? "" : ", " + lv)
        + "}\n";
  }

  static BigramProxy proxy() {
    SplittableRandom r = new SplittableRandom(5);
    int[][] a = new int[40][30];
    int[][] b = new int[40][30];
    for (int[][] m : new int[][][] {a, b}) {
      for (int[] row : m) {
        for (int i = 0; i < row.length; i++) {
          row[i] = r.nextInt(VOCAB);
        }
      }
    }
    return BigramProxy.fit(VOCAB, a, b, 1.0);
  }

  /** The digest of one request's outputs; {@code hostSamples}: processLogits, else sample. */
  static long run(String scheme, String level, SamplingParams sampling, boolean hostSamples)
      throws Exception {
    try (Moat moat =
        Moat.builder()
            .policy(
                PolicyLoader.parse(policy(scheme, level), true, "p.yaml", Set.of("noise1", "wm1")))
            .keys(WatermarkKeys.of(NOISE, WM))
            .proxyStudent(proxy())
            .audit(c -> {})
            .build()) {
      RequestContext ctx =
          RequestContext.builder()
              .account("a")
              .tier("free")
              .vocabSize(VOCAB)
              .prompt("p", new int[] {3, 4})
              .specialTokens(0, VOCAB - 1)
              .sampling(sampling)
              .build();
      CRC32C crc = new CRC32C();
      SplittableRandom r = new SplittableRandom(scheme.hashCode() * 31L + level.hashCode());
      try (MoatRequest req = moat.begin(ctx)) {
        if (hostSamples && req.ownsSampling()) {
          return -1;
        }
        for (int step = 0; step < 48; step++) {
          float[] logits = new float[VOCAB];
          for (int i = 0; i < VOCAB; i++) {
            logits[i] = (float) (3 * r.nextGaussian());
          }
          logits[r.nextInt(VOCAB)] = Float.NEGATIVE_INFINITY;
          int token;
          if (hostSamples) {
            req.processLogits(logits);
            for (float f : logits) {
              update(crc, Float.floatToRawIntBits(f));
            }
            token = step % 3 == 0 ? 7 : r.nextInt(12);
          } else {
            token = req.sample(logits);
          }
          update(crc, token);
          long hold = req.accept(token);
          update(crc, hold > 0 ? 1 : 0); // pacing's holds follow the clock; whether there is one
          // does not (a step takes microseconds, the tarpit's interval 50 ms)
          long lp = Double.doubleToRawLongBits(req.shapeLogprob(-1.2345));
          update(crc, (int) (lp >>> 32));
          update(crc, (int) lp);
          update(crc, req.topLogprobs(5));
        }
        req.finish(FinishReason.LENGTH);
      }
      return crc.getValue();
    }
  }

  private static void update(CRC32C crc, int v) {
    crc.update(v >>> 24);
    crc.update(v >>> 16);
    crc.update(v >>> 8);
    crc.update(v);
  }

  static final SamplingParams[] SAMPLINGS = {
    SamplingParams.builder().temperature(0.8f).seed(11).maxTokens(64).build(),
    SamplingParams.builder().temperature(1f).topK(20).topP(0.9f).seed(12).maxTokens(64).build(),
    SamplingParams.greedy(64),
    SamplingParams.builder().temperature(1f).topP(0.95f).seed(13).maxTokens(64).build()
  };

  /** The digests, one line per scheme, level, sampling and path, as recorded. */
  static String digests() throws Exception {
    StringBuilder out = new StringBuilder();
    for (String scheme : SCHEMES.keySet()) {
      for (String level : LEVELS.keySet()) {
        for (int s = 0; s < SAMPLINGS.length; s++) {
          for (boolean host : new boolean[] {false, true}) {
            out.append(scheme)
                .append(' ')
                .append(level)
                .append(" s")
                .append(s)
                .append(host ? " host" : " moat")
                .append(' ')
                .append(Long.toHexString(run(scheme, level, SAMPLINGS[s], host)))
                .append('\n');
          }
        }
      }
    }
    return out.toString();
  }

  /**
   * The outputs must be those recorded. To record them (only ever from the code whose outputs are
   * the reference): {@code ./mvnw -pl plugin/core test -Dtest=PipelineGoldenTest
   * -Dmoat.golden.record=FILE}, then copy FILE over {@code pipeline-golden.txt}.
   */
  @Test
  void outputsAreThoseRecordedBeforeTheRestructuring() throws Exception {
    String got = digests();
    String record = System.getProperty("moat.golden.record");
    if (record != null) {
      java.nio.file.Files.writeString(java.nio.file.Path.of(record), got);
    }
    String want =
        new String(
            PipelineGoldenTest.class.getResourceAsStream("pipeline-golden.txt").readAllBytes(),
            java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(want, got);
  }
}
