package dev.moat.forensics;

import static dev.moat.internal.Messages.invalid;

import dev.moat.key.KeyCommitment;
import dev.moat.watermark.GumbelScheme;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwScheme;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkSpec;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A watermark's settings as the parameters of a {@link KeyCommitment}, and back: what a key was
 * committed to use, in one spelling per value, so that a report's detection can be tied to the
 * commitment made when the key was created.
 *
 * <ul>
 *   <li>KGW: {@code scheme=moat-kgw-v1}, {@code gamma}, {@code delta}, {@code context_width},
 *       {@code seeding} ({@code lefthash} or {@code selfhash});
 *   <li>Gumbel: {@code scheme=moat-gumbel-v2}, {@code context_width}.
 * </ul>
 *
 * Numbers are plain decimals without trailing zeros ({@code 0.25}, {@code 2}). Generation-only
 * settings that do not change detection (de-duplication at generation, self-hash candidates) are
 * not committed; an entropy gate, which does change detection, is refused.
 *
 * <p>Thread-safe: stateless.
 */
public final class CommittedScheme {
  private CommittedScheme() {}

  /** The committed parameters of {@code spec}. */
  public static Map<String, String> parameters(WatermarkSpec spec) {
    Map<String, String> p = new TreeMap<>();
    if (spec instanceof KgwSettings k) {
      if (k.entropyThreshold() > 0) {
        throw new IllegalArgumentException(
            invalid(
                "entropy_threshold",
                k.entropyThreshold(),
                "0: evidence reports score every position (no entropy gate)"));
      }
      p.put("scheme", KgwScheme.SCHEME_ID);
      p.put("gamma", decimal(k.gamma()));
      p.put("delta", decimal(k.delta()));
      p.put("context_width", Integer.toString(k.contextWidth()));
      p.put("seeding", k.selfHash() ? "selfhash" : "lefthash");
      return p;
    }
    if (spec instanceof GumbelSettings g) {
      p.put("scheme", GumbelScheme.SCHEME_ID);
      p.put("context_width", Integer.toString(g.contextWidth()));
      return p;
    }
    throw new IllegalArgumentException(
        invalid("scheme", spec.scheme(), "kgw or gumbel for a key commitment"));
  }

  /** The settings a key was committed to, with the key's id. */
  public static WatermarkSpec spec(String keyId, Map<String, String> parameters) {
    String scheme = parameters.getOrDefault("scheme", "");
    if (scheme.equals(KgwScheme.SCHEME_ID)) {
      only(parameters, Set.of("scheme", "gamma", "delta", "context_width", "seeding"));
      String seeding = required(parameters, "seeding");
      if (!seeding.equals("lefthash") && !seeding.equals("selfhash")) {
        throw new IllegalArgumentException(
            invalid("parameters.seeding", seeding, "lefthash or selfhash"));
      }
      return KgwSettings.builder()
          .keyId(keyId)
          .gamma(number(parameters, "gamma"))
          .delta(number(parameters, "delta"))
          .contextWidth(width(parameters))
          .selfHash(seeding.equals("selfhash"))
          .build();
    }
    if (scheme.equals(GumbelScheme.SCHEME_ID)) {
      only(parameters, Set.of("scheme", "context_width"));
      return new GumbelSettings(keyId, width(parameters));
    }
    throw new IllegalArgumentException(
        invalid(
            "parameters.scheme", scheme, KgwScheme.SCHEME_ID + " or " + GumbelScheme.SCHEME_ID));
  }

  /** {@code d} as a plain decimal without trailing zeros: 0.25, 2, 0.002. */
  static String decimal(double d) {
    return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
  }

  private static void only(Map<String, String> parameters, Set<String> allowed) {
    for (String name : parameters.keySet()) {
      if (!allowed.contains(name)) {
        throw new IllegalArgumentException(
            "`parameters."
                + name
                + "` is not a parameter of "
                + parameters.get("scheme")
                + "; allowed: "
                + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  private static String required(Map<String, String> parameters, String name) {
    String v = parameters.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          dev.moat.internal.Messages.missing("parameters." + name, "a committed parameter"));
    }
    return v;
  }

  private static double number(Map<String, String> parameters, String name) {
    String v = required(parameters, name);
    try {
      double d = Double.parseDouble(v);
      if (!decimal(d).equals(v)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          invalid("parameters." + name, v, "a plain decimal without trailing zeros"), e);
    }
  }

  private static int width(Map<String, String> parameters) {
    String v = required(parameters, "context_width");
    if (!v.matches("[1-9][0-9]?")) {
      throw new IllegalArgumentException(
          invalid("parameters.context_width", v, "an integer in [1, 64]"));
    }
    return Integer.parseInt(v);
  }
}
