package dev.moat.internal;

import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which {@link Kernels} this JVM uses, chosen once when this class initialises ({@link Kernels}'
 * class comment says how). A holder of its own rather than {@link Kernels}' static initializer: a
 * superclass that instantiates its subclasses while it initializes can deadlock two threads that
 * touch both classes first. Thread-safe: immutable after initialisation.
 */
final class KernelChoice {
  private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);

  static final Kernels SCALAR = new ScalarKernels();
  static final @Nullable Kernels VECTOR = loadVector();
  static final Kernels BEST = choose(SCALAR, VECTOR);

  private KernelChoice() {}

  private static @Nullable Kernels loadVector() {
    Optional<Module> vector = ModuleLayer.boot().findModule("jdk.incubator.vector");
    if ("scalar".equalsIgnoreCase(System.getProperty("moat.simd", "")) || vector.isEmpty()) {
      return null;
    }
    // Module dev.moat does not require the incubating module (javac warns on any use of it): on
    // the module path it reads it from here on. A no-op on the class path (the unnamed module
    // reads every module).
    Kernels.class.getModule().addReads(vector.get());
    try {
      Kernels k =
          Class.forName("dev.moat.internal.vector.VectorKernels")
              .asSubclass(Kernels.class)
              .getDeclaredConstructor()
              .newInstance();
      return k.usable() ? k : null;
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.warn("Vector API present but unusable; using scalar kernels: {}", e.toString());
      return null;
    }
  }

  private static Kernels choose(Kernels scalar, @Nullable Kernels vector) {
    Kernels k = vector != null ? vector : scalar;
    LOG.info(
        "Moat kernels: {}{}",
        k.name(),
        vector == null
            ? " (start the JVM with --add-modules jdk.incubator.vector for explicit SIMD)"
            : "");
    return k;
  }
}
