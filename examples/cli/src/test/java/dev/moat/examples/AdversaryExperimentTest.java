package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adversary experiment's pipeline on a tiny run ({@code ./moat radioactivity --adversary}). */
class AdversaryExperimentTest {
  /**
   * A tiny run end to end (the bundled model as the teacher's source, every harvest through Moat):
   * the report has every table; an unscrubbed student of KGW h=1 is detected; the attacker recovers
   * KGW h=1's green lists better than h=4's, whose contexts it cannot count; the key never appears.
   */
  @Test
  void aTinyRunReportsRecoveryAndScrubs(@TempDir Path dir) throws Exception {
    MoatCliTest.Run r =
        MoatCliTest.run(
            "radioactivity",
            "--adversary",
            "--sizes",
            "150,600",
            "--teacher-answers",
            "60",
            "--suspect-tokens",
            "2000",
            "--eval-answers",
            "100",
            "--schemes",
            "kgw1,kgw4",
            "--threads",
            "2",
            "--out",
            dir.toString());
    assertEquals(0, r.status(), r.err());
    String md = Files.readString(dir.resolve("ADVERSARY.md"));
    assertTrue(md.contains("### KGW h=1\n"), md);
    assertTrue(md.contains("### KGW h=4\n"), md);
    assertFalse(md.contains("### Gumbel"), "only the schemes asked for");
    double h1 = recovery(md, "KGW h=1");
    double h4 = recovery(md, "KGW h=4");
    assertTrue(h1 > h4 + 0.05, "h=1 " + h1 + " against h=4 " + h4);
    Matcher m = Pattern.compile("### KGW h=1\\n(?s:.*?)\\| 600 \\| (-?[0-9.]+)").matcher(md);
    assertTrue(m.find(), md);
    assertTrue(Double.parseDouble(m.group(1)) < -6, "unscrubbed student detected: " + m.group(1));
    assertFalse(
        md.contains("71756c6974792d7265706f72742d6b657931"), "no key material in the report");
  }

  /** The accuracy at the largest N in the recovery table's row for {@code scheme}. */
  private static double recovery(String md, String scheme) {
    Matcher m =
        Pattern.compile(
                "\\| " + Pattern.quote(scheme) + " \\|[^\\n]* ([0-9.]+) \\([0-9.]+\\) \\|\\n")
            .matcher(md);
    assertTrue(m.find(), scheme + " in " + md);
    return Double.parseDouble(m.group(1));
  }
}
