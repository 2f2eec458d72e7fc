package dev.moat.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The console's static files, served from the classpath on the admin port's {@code /assets/NAME} so
 * the page works offline: uPlot's script, its style sheet and its licence, from the uPlot WebJar
 * ({@code org.webjars.npm:uplot}, MIT; its version read from the WebJar's own {@code
 * pom.properties}). Only the names listed here are served: a path is never joined from the request.
 *
 * <p>Thread-safe: each file is read once into an immutable byte array in a concurrent map.
 */
final class ConsoleAssets {
  /** A file: where it is in the WebJar's {@code dist}-relative layout, and its content type. */
  private record Asset(String path, String type) {}

  private static final Map<String, Asset> ASSETS =
      Map.of(
          "uPlot.iife.min.js", new Asset("dist/uPlot.iife.min.js", "text/javascript"),
          "uPlot.min.css", new Asset("dist/uPlot.min.css", "text/css"),
          "uPlot.LICENSE.txt", new Asset("LICENSE", "text/plain"));

  private static final String WEBJAR = "META-INF/resources/webjars/uplot/";
  private static final Map<String, byte[]> LOADED = new ConcurrentHashMap<>();

  private ConsoleAssets() {}

  /** The content type of {@code name}, or null if it is not a console asset. */
  static @Nullable String type(String name) {
    Asset a = ASSETS.get(name);
    return a == null ? null : a.type();
  }

  /**
   * The bytes of {@code name} (one of the listed assets).
   *
   * @throws IOException if the WebJar is missing from the classpath
   */
  static byte[] bytes(String name) throws IOException {
    Asset a = ASSETS.get(name);
    if (a == null) {
      throw new IllegalArgumentException(
          dev.moat.policy.Problems.invalid("asset", name, "one of " + ASSETS.keySet()));
    }
    byte[] b = LOADED.get(name);
    if (b == null) {
      String path = WEBJAR + version() + "/" + a.path();
      try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(path)) {
        if (in == null) {
          throw new IOException(path + " is not on the classpath (the uPlot WebJar)");
        }
        b = in.readAllBytes();
      }
      LOADED.put(name, b);
    }
    return b;
  }

  /** The uPlot WebJar's version, from its {@code pom.properties}. */
  static String version() throws IOException {
    String props = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
    try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(props)) {
      if (in == null) {
        throw new IOException(props + " is not on the classpath (the uPlot WebJar)");
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version");
      if (v == null || !v.matches("[0-9A-Za-z.+-]+")) {
        throw new IOException(props + ": `version` was '" + v + "'");
      }
      return v;
    }
  }
}
