package dev.moat.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of Moat's code, as the build wrote it into {@code moat-version.properties} (the
 * project version, e.g. {@code 0.1.0-SNAPSHOT}). Key commitments record it, so that a verifier
 * knows which code's schemes a key was committed for.
 *
 * <p>Thread-safe: the version is read once, in the class initialiser.
 */
public final class MoatVersion {
  private static final String VERSION = read();

  private MoatVersion() {}

  /** The project version this code was built as. */
  public static String get() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = MoatVersion.class.getResourceAsStream("moat-version.properties")) {
      if (in == null) {
        throw new IllegalStateException("moat-version.properties is missing from the classpath");
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "");
      if (v.isBlank() || v.contains("${")) {
        throw new IllegalStateException(
            "moat-version.properties holds '" + v + "': the build did not filter it");
      }
      return v.strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
