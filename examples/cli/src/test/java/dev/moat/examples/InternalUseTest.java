package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No main source outside the core names {@code dev.moat.internal} (issue 16, "a closed core"). The
 * core's module descriptor hides the package on the module path; the fleet backend, the model
 * adapters and the examples load the core from the class path, where only this check keeps them on
 * its exported API. The benchmarks ({@code perf}) measure the internal kernels on purpose and are
 * not walked (as in {@link SourceSizeTest}).
 */
final class InternalUseTest {
  @Test
  void onlyTheCoreUsesItsInternals() throws IOException {
    Map<String, Integer> users = users(SourceSizeTest.REPO, SourceSizeTest.roots());
    assertTrue(
        users.isEmpty(), "main sources outside plugin/core naming dev.moat.internal: " + users);
  }

  @Test
  void findsANameOfTheInternalsOutsideTheCoreOnly(@TempDir Path repo) throws IOException {
    write(repo, "plugin/core/src/main/java/dev/moat/A.java", "import dev.moat.internal.Kernels;");
    write(repo, "plugin/redis/src/main/java/r/B.java", "import dev.moat.internal.Messages;");
    write(repo, "examples/src/main/java/e/C.java", "x = dev.moat.internal.MoatVersion.get();");
    write(repo, "examples/src/main/java/e/D.java", "import dev.moat.policy.Problems;");
    write(repo, "examples/src/test/java/e/ETest.java", "import dev.moat.internal.TokenBuffer;");

    Map<String, Integer> users =
        users(repo, List.of(repo.resolve("plugin"), repo.resolve("examples")));

    assertEquals(
        "{examples/src/main/java/e/C.java=3, plugin/redis/src/main/java/r/B.java=3}",
        users.toString());
  }

  /**
   * Each main source under {@code roots} but outside {@code plugin/core} that names {@code
   * dev.moat.internal}, relative to {@code repo}, with its line of first mention.
   */
  static Map<String, Integer> users(Path repo, List<Path> roots) throws IOException {
    TreeMap<String, Integer> users = new TreeMap<>();
    for (String f : SourceSizeTest.mainSources(repo, roots)) {
      if (f.startsWith("plugin/core/")) {
        continue;
      }
      List<String> lines = Files.readAllLines(repo.resolve(f));
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).contains("dev.moat.internal")) {
          users.put(f, i + 1);
          break;
        }
      }
    }
    return users;
  }

  private static void write(Path repo, String file, String line) throws IOException {
    Path p = repo.resolve(file);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "package x;\n\n" + line + "\n");
  }
}
