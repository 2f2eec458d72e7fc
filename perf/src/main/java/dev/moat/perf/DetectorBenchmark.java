package dev.moat.perf;

import dev.moat.detect.Detector;
import dev.moat.detect.Features;
import dev.moat.detect.LinkStore;
import dev.moat.detect.LocalLinkStore;
import dev.moat.detect.MinHash;
import dev.moat.detect.MlpModel;
import dev.moat.detect.PromptSkeleton;
import dev.moat.detect.TraceRecord;
import dev.moat.detect.Verdict;
import dev.moat.onnxruntime.OnnxVerdictModel;
import dev.moat.research.sim.TrafficSimulator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The probing detector's costs: a request observed at its start (prompt skeleton, cues, MinHash
 * bands, link-store updates, the account's O(1) feature update and the Java classifier), and the
 * classifier alone in plain Java and in ONNX Runtime. Requests are the {@code mixed} simulated
 * scenario (seed 1), replayed in a cycle over a detector warmed on them.
 *
 * <pre>
 * java -jar perf/target/benchmarks.jar DetectorBenchmark -f 1 -wi 3 -i 5 -prof gc
 * java -jar perf/target/benchmarks.jar DetectorBenchmark.scoreOnnx -bm sample -tu us   # p99
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DetectorBenchmark {
  private static final int REQUESTS = 200_000;

  private TraceRecord[] records;
  private Detector detector;
  private MlpModel java;
  private OnnxVerdictModel onnx;
  private float[][] features;
  private int next;
  private String[] skeletons;
  private final MinHash minHash = new MinHash(32, 8, 3);
  private final LocalLinkStore store = LocalLinkStore.standard();
  private long[][] keys;
  private final long[] bits = new long[9 * LinkStore.WORDS];

  @Setup(Level.Trial)
  public void setUp() {
    TrafficSimulator sim =
        new TrafficSimulator(
            1,
            Instant.parse("2026-04-22T00:00:00Z").toEpochMilli(),
            3,
            dev.moat.research.sim.Scenarios.of("mixed", 1));
    List<TraceRecord> list = new ArrayList<>(REQUESTS);
    while (sim.hasNext() && list.size() < REQUESTS) {
      list.add(sim.next().record());
    }
    records = list.toArray(new TraceRecord[0]);
    skeletons = new String[4096];
    keys = new long[4096][];
    for (int i = 0; i < skeletons.length; i++) {
      skeletons[i] = PromptSkeleton.of(records[i * 7].prompt(), 2000);
      long[] sig = minHash.signature(skeletons[i]);
      keys[i] = new long[9];
      for (int b = 0; b < 8; b++) {
        keys[i][b] = minHash.bandKey(sig, b);
      }
      keys[i][8] = i;
      store.record(i & 255, false, true, keys[i], 9, bits);
    }
    java = MlpModel.bundled();
    onnx = OnnxVerdictModel.of(java);
    detector = Detector.builder().model(java).build();
    features = new float[1024][Features.COUNT];
    for (int i = 0; i < records.length; i++) {
      detector.observe(records[i], i < features.length ? features[i] : null);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    detector.close();
    onnx.close();
  }

  /** One request at its start: everything the detector does for it. */
  @Benchmark
  public Verdict observe() {
    TraceRecord r = records[next];
    next = next + 1 == records.length ? 0 : next + 1;
    return detector.observe(r);
  }

  /** Part of {@link #observe}: the prompt's skeleton. */
  @Benchmark
  public String skeleton() {
    TraceRecord r = records[next];
    next = next + 1 == records.length ? 0 : next + 1;
    return PromptSkeleton.of(r.prompt(), 2000);
  }

  /**
   * Part of {@link #observe}: a MinHash signature of a skeleton (32 positions, 3-word shingles).
   */
  @Benchmark
  public long[] minHash() {
    String s = skeletons[next & (skeletons.length - 1)];
    next++;
    return minHash.signature(s);
  }

  /** Part of {@link #observe}: nine link-store buckets recorded and read back. */
  @Benchmark
  public long[] linkStore() {
    int i = next;
    next = (next + 1) & (keys.length - 1);
    store.record(i & 255, (i & 1) == 0, (i & 2) == 0, keys[i], 9, bits);
    return bits;
  }

  private final long[] novel = new long[9];
  private long fresh = 1;

  /**
   * As {@link #linkStore}, but as most replayed requests are: the eight band keys new every time (a
   * novel prompt), so that each claims a slot in a table that fills within the warm-up and then
   * evicts (the least shared of four), and the ninth (a system prompt's) shared.
   */
  @Benchmark
  public long[] linkStoreNovel() {
    int i = next;
    next = (next + 1) & (keys.length - 1);
    for (int b = 0; b < 8; b++) {
      novel[b] = fresh++ * 0x9E3779B97F4A7C15L;
    }
    novel[8] = keys[i][8];
    store.record(i & 255, (i & 1) == 0, (i & 2) == 0, novel, 9, bits);
    return bits;
  }

  /** The classifier alone, in plain Java. */
  @Benchmark
  public float scoreJava() {
    float[] x = features[next];
    next = (next + 1) & (features.length - 1);
    return java.score(x);
  }

  /** The classifier alone, in ONNX Runtime (one row per call, as at request start). */
  @Benchmark
  public float scoreOnnx() {
    float[] x = features[next];
    next = (next + 1) & (features.length - 1);
    return onnx.score(x);
  }
}
