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
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The green-mass tests' null with the coupling the wrong keys cannot show (issue 18, 2026-12-03):
 * for each of K keys, the bundled model serves texts watermarked under that key (KGW h = 1, gamma
 * 0.25, delta 2), and two models that never saw any key (the bundled model itself as the suspect, a
 * clean student as the reference) are tested under the key that generated the texts. Prints one
 * line per key: the key's index, the contexts, then z and log10 p (bound) of the plain, referenced
 * and weighted tests. The served texts are the generated text re-encoded ({@code text}, what {@code
 * ./moat evidence} reads), the generated token ids ({@code ids}), or those ids after the prompt's
 * last token, counted as context only ({@code last}: the first answer token's watermark context).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp examples/target/moat.jar \
 *     examples/forensics/students/KeyNull.java KEYS ANSWERS TOKENS REFERENCE_ONNX_DIR [text|ids|last] [FIRST_KEY]
 * </pre>
 */
public class KeyNull {
  public static void main(String[] a) throws Exception {
    int keys = Integer.parseInt(a[0]);
    int answers = Integer.parseInt(a[1]);
    int tokens = Integer.parseInt(a[2]);
    Path refDir = Path.of(a[3]);
    String mode = a.length > 4 ? a[4] : "text";
    boolean asServed = !mode.equals("text"); // the generated ids, not re-encoded
    boolean withLast = mode.equals("last"); // the prompt's last token first, counted as context only
    int first = a.length > 5 ? Integer.parseInt(a[5]) : 0;
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled();
        OnnxCausalLm ref =
            OnnxCausalLm.load(
                Files.readAllBytes(refDir.resolve("model.onnx")),
                ModelConfig.parse(Files.readAllBytes(refDir.resolve("config.json"))),
                1)) {
      OnnxGenerator gen = new OnnxGenerator(model);
      for (int j = first; j < first + keys; j++) {
        byte[] material =
            MessageDigest.getInstance("SHA-256").digest(("moat-key-null-" + j).getBytes());
        WatermarkKey key = WatermarkKey.of("k" + j, material);
        KgwSettings k = KgwSettings.builder().keyId(key.id()).gamma(0.25).delta(2.0).build();
        List<int[]> served = new ArrayList<>();
        try (Moat moat =
            Moat.builder()
                .policy(Policy.of("null", TierPolicy.of("free", k, Set.of())))
                .keys(WatermarkKeys.of(key))
                .audit(x -> {})
                .build()) {
          for (int p = 0; p < answers; p++) {
            String prompt = dev.moat.research.sim.Prompts.campaignPrompt(j * 10_000 + p);
            int[] ids = text.encode(prompt, model.config().bosTokenId());
            RequestContext ctx =
                RequestContext.builder()
                    .account("null")
                    .tier("free")
                    .vocabSize(model.config().vocabSize())
                    .prompt(prompt, ids)
                    .specialTokens(model.config().eosTokenId())
                    .sampling(
                        SamplingParams.builder()
                            .temperature(1f)
                            .seed(j * 10_000L + p)
                            .maxTokens(tokens)
                            .build())
                    .build();
            int[] out = gen.generate(ids, moat.begin(ctx), TokenSink.NONE).tokens();
            int[] t = asServed ? out : text.encode(text.decode(out));
            if (withLast) {
              int[] u = new int[t.length + 1];
              u[0] = ids[ids.length - 1];
              System.arraycopy(t, 0, u, 1, t.length);
              t = u;
            }
            served.add(t);
          }
        }
        GreenMass.Collected c =
            GreenMass.collect(
                1,
                RadioactivitySetup.onnxDistributions(model),
                RadioactivitySetup.onnxDistributions(ref),
                served,
                withLast ? 1 : 0,
                model.config().vocabSize(),
                100_000);
        KgwScheme s = KgwScheme.of(key, k);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%d %d", j, c.contexts()));
        for (GreenMass.Statistic st : GreenMass.Statistic.values()) {
          GreenMass.Result r = c.test(s, st);
          line.append(String.format(Locale.ROOT, " %.4f %.3f", r.z(), r.log10BoundP()));
        }
        System.out.println(line);
      }
    }
  }
}
