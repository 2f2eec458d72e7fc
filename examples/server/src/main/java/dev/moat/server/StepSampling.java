package dev.moat.server;

import dev.moat.BatchRunner;
import dev.moat.MoatRequest;
import java.util.Arrays;
import java.util.Objects;

/**
 * Moat's part of one {@link DecodeLoop} step: each ready row's token and hold. When every row is
 * Moat's (the usual case) the rows go through one {@link BatchRunner} call, spread over its
 * threads; otherwise (Moat switched off, or a row whose model call failed) row by row, as {@link
 * dev.moat.Batch} would. A row whose protections, sampling or {@code accept} fail ends alone as an
 * error ({@link Generation#fail}); the other rows keep their tokens.
 *
 * <p>Not thread-safe: the decode loop's thread only. A step allocates nothing.
 */
final class StepSampling implements AutoCloseable {
  private final BatchRunner runner;
  private final MoatRequest[][] requestsOf; // a step's requests, by count
  final int[] tokens;
  final long[] holds;

  StepSampling(int maxBatch, int moatThreads) {
    this.runner =
        BatchRunner.builder()
            .threads(moatThreads)
            .threadFactory(
                r -> {
                  Thread t = new Thread(r, "moat-serve-batch-moat");
                  t.setDaemon(true);
                  return t;
                })
            .build();
    this.requestsOf = new MoatRequest[maxBatch + 1][];
    for (int n = 0; n <= maxBatch; n++) {
      requestsOf[n] = new MoatRequest[n]; // exactly n: Moat's batch calls take rows × vocab
    }
    this.tokens = new int[maxBatch];
    this.holds = new long[maxBatch];
  }

  /**
   * Tokens and holds for rows {@code [0, n)} of {@code logits} ({@code vocab} each); rows marked
   * {@code failed} are skipped, and rows that fail here are marked.
   */
  void sample(Generation[] rows, int n, boolean[] failed, float[] logits, int vocab) {
    boolean allMoat = true;
    for (int i = 0; i < n; i++) {
      allMoat &= !failed[i] && rows[i].moat() != null;
    }
    if (allMoat) {
      MoatRequest[] reqs = requestsOf[n];
      for (int i = 0; i < n; i++) {
        reqs[i] = Objects.requireNonNull(rows[i].moat(), "moat");
      }
      Arrays.fill(tokens, 0, n, -1);
      try {
        runner.sample(reqs, logits, vocab, tokens);
      } catch (RuntimeException | Error e) {
        for (int i = 0; i < n; i++) {
          if (tokens[i] < 0) { // a failing row (or none ran): that request alone fails
            fail(rows, failed, i, e);
          }
        }
      } finally {
        Arrays.fill(reqs, null); // no request outlives its generation here
      }
    } else {
      for (int i = 0; i < n; i++) {
        if (!failed[i]) {
          try {
            tokens[i] = rows[i].sample(logits, i * vocab);
          } catch (RuntimeException | Error e) {
            fail(rows, failed, i, e);
          }
        }
      }
    }
    for (int i = 0; i < n; i++) {
      try {
        holds[i] = failed[i] ? 0 : rows[i].accept(tokens[i]);
      } catch (RuntimeException | Error e) {
        fail(rows, failed, i, e);
      }
    }
  }

  private static void fail(Generation[] rows, boolean[] failed, int i, Throwable e) {
    failed[i] = true;
    rows[i].fail(e instanceof Exception x ? x : new IllegalStateException(e));
  }

  @Override
  public void close() {
    runner.close();
  }
}
