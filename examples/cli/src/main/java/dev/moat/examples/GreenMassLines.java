package dev.moat.examples;

import dev.moat.forensics.GreenMass;
import dev.moat.forensics.GreenMassWrongKeys;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.watermark.KgwScheme;
import dev.moat.watermark.KgwSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The green-mass tests' part of {@code ./moat radioactivity --suspect-onnx}: loading the suspect
 * and the reference, and the JSON objects of the open-weights line. Stateless: thread-safe.
 */
final class GreenMassLines {
  private GreenMassLines() {}

  /** Memory for the green-mass test's averaged distributions (4 bytes per entry). */
  static final long MASS_BYTES = 256L << 20;

  /** The seed of the green-mass test's wrong keys ({@link WrongKeyControl#key}). */
  static final long MASS_WRONG_KEY_SEED = 2026;

  static OnnxCausalLm load(Path dir, String option) throws Exception {
    for (String f : new String[] {"model.onnx", "config.json"}) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw new IllegalArgumentException(
            "`" + option + "` was '" + dir + "' but it holds no " + f + " (the bundled format)");
      }
    }
    return OnnxCausalLm.load(
        Files.readAllBytes(dir.resolve("model.onnx")),
        dev.moat.onnxruntime.ModelConfig.parse(Files.readAllBytes(dir.resolve("config.json"))),
        1);
  }

  /**
   * The green-mass fields of the open-weights line: {@code green_mass} (the plain test), and with a
   * reference {@code green_mass_referenced}, {@code green_mass_weighted} and {@code
   * green_mass_claim}, each test with {@code wrongKeys} wrong keys (0 for none).
   */
  static String json(
      GreenMass.Collected c, WatermarkKey key, KgwSettings k, int wrongKeys, double alpha) {
    StringBuilder b = new StringBuilder();
    double claim = 0;
    int tests = 0;
    for (GreenMass.Statistic s : GreenMass.Statistic.values()) {
      if (s != GreenMass.Statistic.PLAIN && !c.hasReference()) {
        continue;
      }
      GreenMass.Result m = c.test(KgwScheme.of(key, k), s);
      @Nullable GreenMassWrongKeys w =
          wrongKeys == 0
              ? null
              : c.wrongKeys(
                  w2 -> KgwScheme.of(w2, k), m.excess(), wrongKeys, MASS_WRONG_KEY_SEED, s);
      b.append(", \"")
          .append(field(s))
          .append("\": ")
          .append(
              massJson(
                  m,
                  w,
                  alpha,
                  s == GreenMass.Statistic.PLAIN ? "green_share" : "green_share_difference"));
      claim = Math.min(claim, m.log10BoundP());
      tests++;
    }
    if (tests > 1) {
      // The pre-registered claim: the smallest bound, times the number of tests (Bonferroni).
      double lp = Math.min(0, Math.log10(tests) + claim);
      b.append(
          String.format(
              Locale.ROOT,
              ", \"green_mass_claim\": {\"log10_p_value\": %.2f, \"correction\": \"bonferroni x%d\","
                  + " \"alpha\": %.1e, \"trained_on_our_output\": %s}",
              lp,
              tests,
              alpha,
              lp <= Math.log10(alpha)));
    }
    return b.toString();
  }

  private static String field(GreenMass.Statistic s) {
    return switch (s) {
      case PLAIN -> "green_mass";
      case REFERENCED -> "green_mass_referenced";
      case WEIGHTED -> "green_mass_weighted";
    };
  }

  /** The green-mass test's object (a field of the open-weights line). */
  static String massJson(
      GreenMass.Result m, @Nullable GreenMassWrongKeys w, double alpha, String share) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "{\"tokens\": %d, \"positions\": %d,"
                + " \"contexts\": %d, \"contexts_dropped\": %d, \"gamma\": %.6f,"
                + " \"%s\": %.6f, \"excess\": %.4f, \"variance\": %.6e, \"z\": %.3f,"
                + " \"log10_p_normal\": %.2f, \"log10_p_value\": %.2f, \"alpha\": %.1e,"
                + " \"trained_on_our_output\": %s",
            m.tokens(),
            m.positions(),
            m.contexts(),
            m.contextsDropped(),
            m.gamma(),
            share,
            m.greenShare(),
            m.excess(),
            m.variance(),
            m.z(),
            m.log10NormalP(),
            m.log10BoundP(),
            alpha,
            m.detected(alpha)));
    if (w != null) {
      b.append(
          String.format(
              Locale.ROOT,
              ", \"wrong_keys\": %d, \"wrong_keys_at_least\": %d, \"empirical_p\": %.3e,"
                  + " \"wrong_keys_ks_p\": %.4f, \"wrong_keys_below_1e-3\": %d",
              w.keys(),
              w.atLeast(),
              w.empiricalP(),
              w.ks().pValue(),
              w.belowMilli()));
    }
    return b.append('}').toString();
  }
}
