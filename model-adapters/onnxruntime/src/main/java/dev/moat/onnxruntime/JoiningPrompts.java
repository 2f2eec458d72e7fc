package dev.moat.onnxruntime;

import ai.onnxruntime.OrtException;
import dev.moat.onnxruntime.BatchDecoder.Sequence;
import java.nio.ByteBuffer;

/**
 * {@link BatchDecoder#prefill(Sequence[], int[][], int, float[], int)}: checks every prompt and
 * sequence before any call, then runs the prompts in order, as many to a call as the decoder's
 * budget of logits allows.
 *
 * <p>Not thread-safe: driven by the decoder's loop, as the decoder is.
 */
final class JoiningPrompts {
  private JoiningPrompts() {}

  /**
   * The prefill of {@code prompts[0 .. count)} into {@code seqs[0 .. count)}; {@code s} a fresh
   * stamp.
   */
  static void prefill(
      BatchDecoder d,
      Sequence[] seqs,
      int[][] prompts,
      int count,
      float[] logits,
      int offset,
      long s)
      throws OrtException {
    BatchDecoder.checkCount(count, Math.min(seqs.length, prompts.length));
    d.checkRow(logits, offset, count);
    int vocab = d.vocab;
    long[][] ids = new long[count][];
    for (int i = 0; i < count; i++) {
      Sequence q = seqs[i];
      d.own(q);
      if (q.position != 0 || q.closed) {
        throw new IllegalStateException(
            "`seqs[" + i + "]` " + (q.closed ? "is closed" : "was already prefilled"));
      }
      if (q.stamp == s) {
        throw new IllegalArgumentException("`seqs[" + i + "]` appears twice in one prefill");
      }
      q.stamp = s;
      int[] p = prompts[i];
      if (p.length == 0) {
        throw new IllegalArgumentException(
            "`prompts[" + i + "]` was empty but it must have at least one token (e.g. bos)");
      }
      d.checkFits(p.length);
      ids[i] = new long[p.length];
      for (int j = 0; j < p.length; j++) {
        if (p[j] < 0 || p[j] >= vocab) {
          throw new IllegalArgumentException(
              "`prompts["
                  + i
                  + "]["
                  + j
                  + "]` was '"
                  + p[j]
                  + "' but it must be in [0, "
                  + vocab
                  + ")");
        }
        ids[i][j] = p[j];
      }
    }
    for (int from = 0; from < count; ) {
      int n = 1;
      int width = ids[from].length;
      while (from + n < count) {
        int w = Math.max(width, ids[from + n].length);
        if ((long) (n + 1) * w * vocab * Float.BYTES > d.prefillLogitsBytes) {
          break;
        }
        width = w;
        n++;
      }
      long[][] call = java.util.Arrays.copyOfRange(ids, from, from + n);
      ByteBuffer[][] caches = d.model.prefill(d.batch, call, n, logits, offset + from * vocab);
      for (int i = 0; i < n; i++) {
        seqs[from + i].cache = caches[i];
        seqs[from + i].position = call[i].length;
      }
      from += n;
    }
  }
}
