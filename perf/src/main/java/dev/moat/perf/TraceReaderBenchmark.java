package dev.moat.perf;

import dev.moat.detect.Detector;
import dev.moat.detect.TraceReader;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.TraceWriter;
import dev.moat.research.usage.UsageGenerator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The trace reader per line: {@link TraceReader#next()} over 20,000 lines of the independent usage
 * generator's traffic (seed 9, as written by {@link TraceWriter}), read from memory, so that the
 * figure is parsing (line splitting, JSON, times, the record), not the disk; and with each record
 * prepared for the detector ({@link Detector#prepare}: the prompt's scan, its MinHash keys, the
 * system prompt's key), the whole of what replay's reading thread does but inflating. With {@code
 * -p trace=FILE} (a trace, gzip if it ends in {@code .gz}), its first 20,000 lines instead: the
 * third generator's worlds carry agent products' 2,000-character system prompts, which the usage
 * generator's lines do not.
 *
 * <p>Thread-safety: JMH gives each thread its own state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TraceReaderBenchmark {
  private static final int LINES = 20_000;

  /** A trace file to read the lines from; empty: the usage generator's seed 9. */
  @Param({""})
  public String trace;

  private byte[] lines;
  private Detector detector;

  @Setup
  public void setUp() throws IOException {
    detector = Detector.builder().build();
    if (!trace.isEmpty()) {
      lines = firstLines(Path.of(trace));
      return;
    }
    UsageGenerator g =
        new UsageGenerator(
            9,
            Instant.parse("2026-04-22T00:00:00Z").toEpochMilli(),
            7,
            UsageGenerator.Mix.standard());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TraceWriter w = TraceWriter.of(out)) {
      for (int i = 0; i < LINES && g.hasNext(); i++) {
        w.write(g.next().record());
      }
    }
    lines = out.toByteArray();
  }

  private static byte[] firstLines(Path file) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream raw = Files.newInputStream(file);
        InputStream in =
            file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
      byte[] buf = new byte[1 << 16];
      int newlines = 0;
      int n;
      while (newlines < LINES && (n = in.read(buf)) > 0) {
        int take = n;
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n' && ++newlines == LINES) {
            take = i + 1;
            break;
          }
        }
        out.write(buf, 0, take);
      }
      if (newlines < LINES) {
        throw new IOException(file + " has " + newlines + " lines; the benchmark reads " + LINES);
      }
    }
    return out.toByteArray();
  }

  @TearDown
  public void tearDown() {
    detector.close();
  }

  /** Every line of the trace, read into records; per line. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public long read() throws IOException {
    return readAll(false);
  }

  /** Every line read and prepared for the detector; per line. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public long readAndPrepare() throws IOException {
    return readAll(true);
  }

  private long readAll(boolean prepare) throws IOException {
    long sum = 0;
    try (TraceReader r = TraceReader.of(new ByteArrayInputStream(lines), "bench", p -> {})) {
      TraceRecord t;
      while ((t = r.next()) != null) {
        sum += prepare ? detector.prepare(t).record().ts() : t.ts();
      }
    }
    return sum;
  }
}
