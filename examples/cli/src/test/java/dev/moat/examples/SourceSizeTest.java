package dev.moat.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No class over {@value #MAX_LINES} lines (issue 16): every main-source {@code .java} file of the
 * repository's modules, counted as {@code wc -l} counts (newlines), outside generated code and the
 * benchmarks ({@code perf}). Runs from the command line module's directory ({@code examples/cli}),
 * as Maven runs its tests, and reaches the other modules through {@code ../..}.
 */
final class SourceSizeTest {
  static final int MAX_LINES = 400;

  /** The modules' parent directories, relative to the command line module's working directory. */
  static final List<String> ROOTS =
      List.of("../../plugin", "../../model-adapters", "../../examples");

  /** The repository's root: two levels above the command line module's working directory. */
  static final Path REPO = Path.of("../..").toAbsolutePath().normalize();

  @Test
  void noMainSourceFileIsOverTheLimit() throws IOException {
    Map<String, Long> over = over(REPO, roots());
    assertTrue(
        over.isEmpty(),
        "main-source files over "
            + MAX_LINES
            + " lines (split them into cohesive classes): "
            + over);
  }

  @Test
  void theWalkSeesEveryModulesMainSources() throws IOException {
    List<String> seen = mainSources(REPO, roots());
    // One file of each kind of module, so that a wrong root or filter cannot pass by seeing
    // nothing.
    for (String f :
        List.of(
            "plugin/core/src/main/java/dev/moat/Moat.java",
            "plugin/redis/src/main/java/dev/moat/detect/redis/RedisLinkStore.java",
            "model-adapters/onnxruntime/src/main/java/dev/moat/onnxruntime/BatchDecoder.java",
            "examples/cli/src/main/java/dev/moat/examples/MoatCli.java",
            "examples/server/src/main/java/dev/moat/server/ModelServer.java",
            "examples/research/src/main/java/dev/moat/research/sim/TrafficSimulator.java")) {
      assertTrue(seen.contains(f), f + " not among the files walked");
    }
    assertTrue(seen.stream().noneMatch(f -> f.startsWith("perf/")), "perf is walked");
    assertTrue(seen.stream().noneMatch(f -> f.contains("/target/")), "target/ is walked");
  }

  @Test
  void reportsOnlyMainSourcesOverTheLimitOutsideTargetAndGeneratedCode(@TempDir Path repo)
      throws IOException {
    write(repo.resolve("a/m/src/main/java/p/Long.java"), MAX_LINES + 1);
    write(repo.resolve("a/m/src/main/java/p/AtTheLimit.java"), MAX_LINES);
    write(repo.resolve("a/m/src/test/java/p/LongTest.java"), MAX_LINES + 1);
    write(repo.resolve("a/m/target/generated-sources/src/main/java/p/Gen.java"), MAX_LINES + 1);
    write(repo.resolve("a/m/src/main/java/generated/p/Gen.java"), MAX_LINES + 1);
    write(repo.resolve("a/m/src/main/java/p/notes.txt"), MAX_LINES + 1);
    write(repo.resolve("b/src/main/java/q/Longer.java"), 2 * MAX_LINES);

    Map<String, Long> over = over(repo, List.of(repo.resolve("a"), repo.resolve("b")));

    assertEquals(
        "{a/m/src/main/java/p/Long.java=401, b/src/main/java/q/Longer.java=800}", over.toString());
  }

  /** {@link #ROOTS} as absolute directories. */
  static List<Path> roots() {
    return ROOTS.stream().map(r -> Path.of(r).toAbsolutePath().normalize()).toList();
  }

  /** Each main-source file over the limit, relative to {@code repo}, with its line count. */
  static Map<String, Long> over(Path repo, List<Path> roots) throws IOException {
    TreeMap<String, Long> over = new TreeMap<>();
    for (String f : mainSources(repo, roots)) {
      long n = lines(repo.resolve(f));
      if (n > MAX_LINES) {
        over.put(f, n);
      }
    }
    return over;
  }

  /**
   * Every {@code .java} file under a {@code src/main/java} below the roots (directories inside
   * {@code repo}), relative to {@code repo} with {@code /} separators; never under {@code target},
   * {@code perf} or a directory whose name says it holds generated code.
   */
  static List<String> mainSources(Path repo, List<Path> roots) throws IOException {
    List<String> files = new ArrayList<>();
    for (Path start : roots) {
      assertTrue(Files.isDirectory(start), start + " is not a directory");
      Files.walkFileTree(
          start,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
              return name.equals("target") || name.equals("perf") || name.contains("generated")
                  ? FileVisitResult.SKIP_SUBTREE
                  : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              String rel = repo.relativize(file).toString().replace('\\', '/');
              if (rel.endsWith(".java") && rel.contains("/src/main/java/")) {
                files.add(rel);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    }
    return files;
  }

  /** Lines as {@code wc -l} counts them: newline characters. */
  static long lines(Path file) throws IOException {
    long n = 0;
    for (byte b : Files.readAllBytes(file)) {
      if (b == '\n') {
        n++;
      }
    }
    return n;
  }

  private static void write(Path file, int lines) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "class X {}\n".repeat(lines));
  }
}
