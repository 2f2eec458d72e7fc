import dev.moat.Moat;
import dev.moat.RequestContext;
import dev.moat.forensics.GreenMass;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.ModelConfig;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.onnxruntime.OnnxGenerator;
import dev.moat.onnxruntime.TokenSink;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.research.RadioactivitySetup;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.KgwScheme;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The green-mass tests' null with the coupling the wrong keys cannot show (issue 18, 2026-12-03):
 * for each of K keys, the bundled model serves texts watermarked under that key (KGW h = 1, gamma
 * 0.25, delta 2), and two models that never saw any key (the bundled model itself as the suspect, a
 * clean student as the reference) are tested under the key that generated the texts.
 *
 * <p>Modes, one line per key:
 *
 * <ul>
 *   <li>{@code text}, {@code ids}, {@code last}: the key's index, the contexts, then z and log10 p
 *       (bound) of the plain, referenced and weighted tests (plain only when the reference is
 *       {@code -}). The served texts are the generated text re-encoded ({@code text}, what {@code
 *       ./moat evidence} reads), the generated token ids ({@code ids}), or those ids after the
 *       prompt's last token, counted as context only ({@code last}: the first answer token's
 *       watermark context).
 *   <li>{@code pair}: both readings of the same answers, plain test: the key's index, the answers
 *       whose re-encoding differs from the generated ids, the contexts of each, then z re-encoded and
 *       z on the ids.
 *   <li>{@code counts}: the re-encoded text, plain test, by how many texts scored each context
 *       (one, two to four, five or more): each group's contexts, T and V.
 *   <li>{@code split}: the generated ids, every first occurrence scored on its own (not averaged per
 *       context), the excess T and its variance V in four parts by the token v the suspect's mass
 *       is on: a token already in the prefix, a token not in it, the context token itself (a
 *       repeat), and all. Under the null each part's T has mean 0 over keys; its V is not the
 *       variance over keys (a context's rows in different texts share one green list).
 * </ul>
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp examples/target/moat.jar \
 *     examples/forensics/students/KeyNull.java KEYS ANSWERS TOKENS REFERENCE_ONNX_DIR|- \
 *     [text|ids|last|pair|split|counts] [FIRST_KEY]
 * </pre>
 */
public class KeyNull {
  public static void main(String[] a) throws Exception {
    int keys = Integer.parseInt(a[0]);
    int answers = Integer.parseInt(a[1]);
    int tokens = Integer.parseInt(a[2]);
    Path refDir = a[3].equals("-") ? null : Path.of(a[3]);
    String mode = a.length > 4 ? a[4] : "text";
    if (!Set.of("text", "ids", "last", "pair", "split", "counts").contains(mode)) {
      throw new IllegalArgumentException(
          "mode was " + mode + "; it must be text, ids, last, pair, split or counts");
    }
    boolean withLast = mode.equals("last"); // the prompt's last token first, counted as context only
    int first = a.length > 5 ? Integer.parseInt(a[5]) : 0;
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled();
        OnnxCausalLm ref =
            refDir == null
                ? null
                : OnnxCausalLm.load(
                    Files.readAllBytes(refDir.resolve("model.onnx")),
                    ModelConfig.parse(Files.readAllBytes(refDir.resolve("config.json"))),
                    1)) {
      OnnxGenerator gen = new OnnxGenerator(model);
      int vocab = model.config().vocabSize();
      for (int j = first; j < first + keys; j++) {
        byte[] material =
            MessageDigest.getInstance("SHA-256").digest(("moat-key-null-" + j).getBytes());
        WatermarkKey key = WatermarkKey.of("k" + j, material);
        KgwSettings k = KgwSettings.builder().keyId(key.id()).gamma(0.25).delta(2.0).build();
        KgwScheme s = KgwScheme.of(key, k);
        List<int[]> reEncoded = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        int differ = 0;
        try (Moat moat =
            Moat.builder()
                .policy(Policy.of("null", TierPolicy.of("free", k, Set.of())))
                .keys(WatermarkKeys.of(key))
                .audit(x -> {})
                .build()) {
          for (int p = 0; p < answers; p++) {
            String prompt = dev.moat.research.sim.Prompts.campaignPrompt(j * 10_000 + p);
            int[] in = text.encode(prompt, model.config().bosTokenId());
            RequestContext ctx =
                RequestContext.builder()
                    .account("null")
                    .tier("free")
                    .vocabSize(vocab)
                    .prompt(prompt, in)
                    .specialTokens(model.config().eosTokenId())
                    .sampling(
                        SamplingParams.builder()
                            .temperature(1f)
                            .seed(j * 10_000L + p)
                            .maxTokens(tokens)
                            .build())
                    .build();
            int[] out = gen.generate(in, moat.begin(ctx), TokenSink.NONE).tokens();
            int[] re = text.encode(text.decode(out));
            differ += Arrays.equals(re, out) ? 0 : 1;
            reEncoded.add(re);
            if (withLast) {
              int[] u = new int[out.length + 1];
              u[0] = in[in.length - 1];
              System.arraycopy(out, 0, u, 1, out.length);
              out = u;
            }
            ids.add(out);
          }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%d", j));
        GreenMass.Distributions suspect = RadioactivitySetup.onnxDistributions(model);
        if (mode.equals("split")) {
          split(s, suspect, ids, vocab, line);
        } else if (mode.equals("counts")) {
          counts(s, GreenMass.collect(1, suspect, null, reEncoded, 0, vocab, 100_000), line);
        } else if (mode.equals("pair")) {
          GreenMass.Collected c = GreenMass.collect(1, suspect, null, reEncoded, 0, vocab, 100_000);
          GreenMass.Collected d = GreenMass.collect(1, suspect, null, ids, 0, vocab, 100_000);
          line.append(
              String.format(
                  Locale.ROOT,
                  " %d %d %d %.4f %.4f",
                  differ,
                  c.contexts(),
                  d.contexts(),
                  c.test(s).z(),
                  d.test(s).z()));
        } else {
          GreenMass.Collected c =
              GreenMass.collect(
                  1,
                  suspect,
                  ref == null ? null : RadioactivitySetup.onnxDistributions(ref),
                  mode.equals("text") ? reEncoded : ids,
                  withLast ? 1 : 0,
                  vocab,
                  100_000);
          line.append(' ').append(c.contexts());
          for (GreenMass.Statistic st : GreenMass.Statistic.values()) {
            if (ref == null && st != GreenMass.Statistic.PLAIN) {
              continue;
            }
            GreenMass.Result r = c.test(s, st);
            line.append(String.format(Locale.ROOT, " %.4f %.3f", r.z(), r.log10BoundP()));
          }
        }
        System.out.println(line);
      }
    }
  }

  /**
   * The {@code counts} mode's figures for one key, appended to {@code line}: the plain test's
   * contexts, excess T and variance V among the contexts scored in one text, in two to four, and in
   * five or more (the test averages each context's rows, so each context counts once).
   */
  private static void counts(KgwScheme s, GreenMass.Collected c, StringBuilder line) {
    double g = s.gamma();
    double[] t = new double[3];
    double[] v = new double[3];
    int[] n = new int[3];
    for (int k = 0; k < c.contexts(); k++) {
      int b = c.count(k) == 1 ? 0 : c.count(k) <= 4 ? 1 : 2;
      long seed = s.seed(c.context(k), 1);
      float[] p = c.distribution(k);
      for (int u = 0; u < p.length; u++) {
        t[b] += (s.isGreen(seed, u) ? 1 - g : -g) * p[u];
        v[b] += g * (1 - g) * p[u] * p[u];
      }
      n[b]++;
    }
    for (int b = 0; b < 3; b++) {
      line.append(String.format(Locale.ROOT, " %d %.4f %.4f", n[b], t[b], v[b]));
    }
  }

  /** The {@code split} mode's figures for one key, appended to {@code line}. */
  private static void split(
      KgwScheme s,
      GreenMass.Distributions suspect,
      List<int[]> texts,
      int vocab,
      StringBuilder line) {
    double g = s.gamma();
    double[] t = new double[4]; // in the prefix, not in it, the context token itself, all
    double[] v = new double[4];
    int scored = 0;
    for (int[] text : texts) {
      Set<Integer> seen = new HashSet<>();
      boolean[] firstAt = new boolean[text.length];
      for (int i = 1; i < text.length; i++) {
        firstAt[i] = seen.add(text[i - 1]);
        scored += firstAt[i] ? 1 : 0;
      }
      boolean[] inPrefix = new boolean[vocab];
      int[] upTo = {0};
      suspect.forEach(
          text,
          (i, p) -> {
            while (upTo[0] < i) {
              inPrefix[text[upTo[0]++]] = true;
            }
            if (!firstAt[i]) {
              return;
            }
            long seed = s.seed(text, i);
            int context = text[i - 1];
            for (int u = 0; u < p.length; u++) {
              double x = p[u];
              double d = (s.isGreen(seed, u) ? 1 - g : -g) * x;
              int part = u == context ? 2 : inPrefix[u] ? 0 : 1;
              t[part] += d;
              v[part] += g * (1 - g) * x * x;
              t[3] += d;
              v[3] += g * (1 - g) * x * x;
            }
          });
    }
    line.append(' ').append(scored);
    for (int q = 0; q < 4; q++) {
      line.append(String.format(Locale.ROOT, " %.4f %.4f", t[q], v[q]));
    }
  }
}
