package dev.moat.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.moat.Moat;
import io.github.bucket4j.Bucket;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * The core is module {@code dev.moat} and exports its API packages only (issue 16, "a closed
 * core"). Read from the compiled descriptor in {@code target/classes}, so that adding an export, an
 * {@code opens} or a package without deciding whether it is API fails here; and resolved on a
 * module path made of the real dependency jars, so that a missing {@code requires} fails here too.
 */
class ModuleDescriptorTest {
  /** The API: every package a host, a protection or a fleet backend may use. */
  static final Set<String> EXPORTED =
      Set.of(
          "dev.moat",
          "dev.moat.detect",
          "dev.moat.enforce",
          "dev.moat.forensics",
          "dev.moat.key",
          "dev.moat.policy",
          "dev.moat.sampling",
          "dev.moat.spi",
          "dev.moat.state",
          "dev.moat.time",
          "dev.moat.watermark");

  /** Implementation details, encapsulated. */
  static final Set<String> CONCEALED = Set.of("dev.moat.internal", "dev.moat.internal.vector");

  /** The compiled main classes: where {@link Moat} was loaded from. */
  static Path classes() throws URISyntaxException {
    return Path.of(Moat.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  static ModuleDescriptor descriptor() throws URISyntaxException {
    return ModuleFinder.of(classes())
        .find("dev.moat")
        .orElseThrow(() -> new AssertionError("no module dev.moat in target/classes"))
        .descriptor();
  }

  @Test
  void exportsExactlyTheApiPackagesToEveryone() throws URISyntaxException {
    ModuleDescriptor d = descriptor();
    assertFalse(d.isOpen(), "an open module");
    assertTrue(d.opens().isEmpty(), "opens: " + d.opens());
    assertTrue(
        d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified),
        "qualified exports: " + d.exports());
    Set<String> exported =
        d.exports().stream()
            .map(ModuleDescriptor.Exports::source)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(EXPORTED), exported);
    assertFalse(exported.contains("dev.moat.internal"));
  }

  @Test
  void everyPackageIsEitherApiOrConcealed() throws URISyntaxException {
    TreeSet<String> expected = new TreeSet<>(EXPORTED);
    expected.addAll(CONCEALED);
    // Packages found in the classes folder, the Vector API kernels' included.
    assertEquals(expected, new TreeSet<>(descriptor().packages()));
  }

  @Test
  void everyExportedPackageHasPackageJavadoc() throws IOException {
    Path sources = Path.of("src/main/java");
    List<String> missing = new ArrayList<>();
    for (String p : new TreeSet<>(EXPORTED)) {
      Path info = sources.resolve(p.replace('.', '/')).resolve("package-info.java");
      if (!Files.isRegularFile(info) || !hasJavadoc(Files.readString(info), p)) {
        missing.add(p);
      }
    }
    assertTrue(missing.isEmpty(), "exported packages without a javadoc'd package-info: " + missing);
  }

  @Test
  void theJavadocCheckRejectsWhatIsNotJavadoc() {
    assertTrue(hasJavadoc("/** The API. */\n@NullMarked\npackage a.b;\n", "a.b"));
    assertFalse(hasJavadoc("/* Not javadoc. */\npackage a.b;\n", "a.b"));
    assertFalse(hasJavadoc("/** */\npackage a.b;\n", "a.b"));
    assertFalse(hasJavadoc("package a.b;\n/** After. */\n", "a.b"));
  }

  /** Whether a javadoc comment with some text comes before the package declaration. */
  static boolean hasJavadoc(String source, String pkg) {
    int declaration = source.indexOf("package " + pkg + ";");
    int open = source.indexOf("/**");
    int close = open < 0 ? -1 : source.indexOf("*/", open + 3);
    if (declaration < 0 || open < 0 || close < 0 || close > declaration) {
      return false;
    }
    return !source.substring(open + 3, close).replace("*", "").isBlank();
  }

  @Test
  void resolvesOnTheModulePathAndHidesItsInternals() throws Exception {
    List<Path> path = new ArrayList<>(List.of(classes()));
    for (Class<?> c :
        List.of(
            LoggerFactory.class,
            Ticker.class,
            ObjectMapper.class,
            JsonParser.class,
            JsonAutoDetect.class,
            YAMLFactory.class,
            Yaml.class,
            Bucket.class)) {
      path.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
    }
    ModuleLayer boot = ModuleLayer.boot();
    Configuration cf =
        boot.configuration()
            .resolve(
                ModuleFinder.of(path.toArray(Path[]::new)), ModuleFinder.of(), Set.of("dev.moat"));
    ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
    Module moat = layer.findModule("dev.moat").orElseThrow();
    ClassLoader loader = moat.getClassLoader();

    // The API works from outside the module: the version comes from the module's own resource.
    Class<?> facade = Class.forName("dev.moat.Moat", true, loader);
    assertEquals(moat, facade.getModule());
    assertEquals(Moat.version(), facade.getMethod("version").invoke(null));
    Method problem =
        Class.forName("dev.moat.policy.Problems", true, loader)
            .getMethod("invalid", String.class, Object.class, String.class);
    assertEquals("`port` was '0' but it must be >= 1", problem.invoke(null, "port", 0, ">= 1"));

    // The internals do not: public as they are, this (unnamed) module may not call them.
    assertFalse(moat.isExported("dev.moat.internal"));
    Method internal =
        Class.forName("dev.moat.internal.Messages", true, loader)
            .getMethod("invalid", String.class, Object.class, String.class);
    assertThrows(IllegalAccessException.class, () -> invoke(internal, "port", 0, ">= 1"));
  }

  private static Object invoke(Method m, Object... args)
      throws IllegalAccessException, InvocationTargetException {
    return m.invoke(null, args);
  }
}
