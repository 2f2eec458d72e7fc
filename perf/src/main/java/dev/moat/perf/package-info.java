/**
 * JMH benchmarks of Moat's per-token overhead. Run with {@code java -jar
 * perf/target/benchmarks.jar}.
 */
@NullMarked
package dev.moat.perf;

import org.jspecify.annotations.NullMarked;
