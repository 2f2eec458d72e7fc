package dev.moat.examples;

import dev.moat.forensics.GreenMass;
import dev.moat.onnxruntime.OnnxCausalLm;
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
   * The pre-registered claim of the green-mass tests with a reference: the smaller of the two
   * bounds, times two (Bonferroni over the plain and the referenced test).
   */
  static String claimJson(GreenMass.Result plain, GreenMass.Result referenced, double alpha) {
    double lp =
        Math.min(0, Math.log10(2) + Math.min(plain.log10BoundP(), referenced.log10BoundP()));
    return String.format(
        Locale.ROOT,
        "{\"log10_p_value\": %.2f, \"correction\": \"bonferroni x2\", \"alpha\": %.1e,"
            + " \"trained_on_our_output\": %s}",
        lp,
        alpha,
        lp <= Math.log10(alpha));
  }

  /** The green-mass test's object (a field of the open-weights line). */
  static String massJson(
      GreenMass.Result m, GreenMass.@Nullable WrongKeys w, double alpha, String share) {
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
