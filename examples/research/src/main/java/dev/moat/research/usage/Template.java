package dev.moat.research.usage;

import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A tiny template language for prompt text: {@code [a|b|c]} picks one alternative, {@code {name}}
 * is filled by a slot function. Alternatives do not nest but may hold slots. With paraphrase
 * strength 0 every group takes its first (canonical) alternative, so a campaign that runs one
 * template word for word uses strength near 0; with strength 1 every group is drawn uniformly.
 *
 * <p>Stateless; thread-safe.
 */
final class Template {
  private Template() {}

  static String expand(
      String template, Function<String, String> slots, double strength, SplittableRandom r) {
    StringBuilder out = new StringBuilder(template.length() + 64);
    int i = 0;
    int n = template.length();
    while (i < n) {
      char c = template.charAt(i);
      if (c == '[') {
        int end = template.indexOf(']', i);
        if (end < 0) {
          throw new IllegalArgumentException(
              "template has an unclosed '[' at " + i + ": " + template);
        }
        String chosen = choose(template.substring(i + 1, end), strength, r);
        out.append(expand(chosen, slots, strength, r));
        i = end + 1;
      } else if (c == '{') {
        int end = template.indexOf('}', i);
        if (end < 0) {
          throw new IllegalArgumentException(
              "template has an unclosed '{' at " + i + ": " + template);
        }
        out.append(slots.apply(template.substring(i + 1, end)));
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Expands with every alternative drawn uniformly (benign text). */
  static String any(String template, Function<String, String> slots, SplittableRandom r) {
    return expand(template, slots, 1, r);
  }

  private static String choose(String group, double strength, SplittableRandom r) {
    String[] alts = group.split("\\|", -1);
    if (alts.length == 1 || r.nextDouble() >= strength) {
      return alts[0];
    }
    return alts[r.nextInt(alts.length)];
  }

  /**
   * Reorders two adjacent sentences after the first with probability {@code p}: a paraphrase that
   * keeps the meaning of an instruction list.
   */
  static String reorder(String text, double p, SplittableRandom r) {
    if (r.nextDouble() >= p) {
      return text;
    }
    String[] s = text.split("(?<=[.?!]) ");
    if (s.length < 3) {
      return text;
    }
    int k = 1 + r.nextInt(s.length - 2);
    String t = s[k];
    s[k] = s[k + 1];
    s[k + 1] = t;
    return String.join(" ", s);
  }

  /**
   * Surface noise of typed text: a lower-case start, a dropped final full stop, one swapped letter
   * pair. Each happens with probability {@code level}.
   */
  static String noise(String text, double level, SplittableRandom r) {
    if (text.length() < 8 || level <= 0) {
      return text;
    }
    String s = text;
    if (r.nextDouble() < level && Character.isUpperCase(s.charAt(0))) {
      s = Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
    if (r.nextDouble() < level && s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    if (r.nextDouble() < level * 0.5) {
      int k = 1 + r.nextInt(s.length() - 3);
      if (Character.isLetter(s.charAt(k)) && Character.isLetter(s.charAt(k + 1))) {
        s = s.substring(0, k) + s.charAt(k + 1) + s.charAt(k) + s.substring(k + 2);
      }
    }
    return s;
  }
}
