package dev.moat.perf;

import dev.moat.internal.Kernels;

/**
 * Chooses Moat's kernels for a benchmark fork: JMH runs each parameter combination in a fresh JVM
 * (started with {@code --add-modules jdk.incubator.vector}), so setting {@code moat.simd} before
 * the first use of {@link Kernels} decides which implementation the whole fork uses.
 */
final class Simd {
  private Simd() {}

  /**
   * Selects {@code "vector"} or {@code "scalar"}; fails if the kernels already in use differ. Call
   * first thing in a trial's setup.
   */
  static void select(String simd) {
    System.setProperty("moat.simd", simd);
    String name = Kernels.get().name();
    if (!name.startsWith(simd)) {
      throw new IllegalStateException(
          "asked for "
              + simd
              + " kernels but this JVM uses "
              + name
              + " (is the fork started with --add-modules jdk.incubator.vector?)");
    }
  }
}
