package dev.moat.djl;

/**
 * Keeps DJL from reporting usage to its makers or downloading anything: a plugin inside a model
 * server must never phone home. Sets {@code OPT_OUT_TRACKING} and {@code ai.djl.offline} unless the
 * host set them itself. Thread-safe.
 */
final class DjlOffline {
  static {
    if (System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }

  private DjlOffline() {}

  /** Runs the static initializer (idempotent). Call before the first use of DJL's engine. */
  static void ensure() {}
}
