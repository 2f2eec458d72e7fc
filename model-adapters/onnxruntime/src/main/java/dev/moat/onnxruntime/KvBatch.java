package dev.moat.onnxruntime;

import static dev.moat.onnxruntime.DirectBuffers.direct;
import static dev.moat.onnxruntime.DirectBuffers.ensure;

import dev.moat.onnxruntime.BatchDecoder.Cache;
import dev.moat.onnxruntime.BatchDecoder.Sequence;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * The KV caches of a {@link BatchDecoder}'s batch: one packed buffer per cache input, {@code
 * [outer, rows, mid, width, inner]}, each row left-padded, and which sequence holds which row
 * (slot). It moves sequences in and out of the batch and rebuilds it, copying as little as it can
 * (the policy is the one {@link BatchDecoder}'s class comment describes); two buffers per cache
 * take turns as a step's {@code past} and {@code present}.
 *
 * <p>Not thread-safe: owned by one {@link BatchDecoder} and driven by its decode loop.
 */
final class KvBatch {
  private static final ByteBuffer ZEROS =
      ByteBuffer.allocateDirect(64 << 10).order(ByteOrder.nativeOrder());

  private final Cache[] caches;

  /** Per cache: elements before the batch axis, between the two axes, after the positions. */
  private final long[] outer;

  private final long[] mid;
  private final long[] innerBytes;

  /** Per cache, two buffers: {@code kv[c][cur]} holds the batch's past. */
  private final ByteBuffer[][] kv;

  private int cur;
  private @Nullable Sequence[] slots = new Sequence[0];
  private int rows;
  private int width;
  private long rebuilds;

  KvBatch(BatchDecoder.Layout layout) {
    int elem = layout.cacheType() == ai.onnxruntime.OnnxJavaType.FLOAT ? 4 : 2;
    int n = layout.caches().size();
    this.caches = layout.caches().toArray(new Cache[0]);
    this.outer = new long[n];
    this.mid = new long[n];
    this.innerBytes = new long[n];
    this.kv = new ByteBuffer[n][2];
    for (int c = 0; c < n; c++) {
      Cache k = caches[c];
      outer[c] = k.product(0, k.batchAxis());
      mid[c] = k.product(k.batchAxis() + 1, k.positionAxis());
      innerBytes[c] = k.product(k.positionAxis() + 1, k.dims().length) * elem;
      kv[c][0] = direct(0);
      kv[c][1] = direct(0);
    }
  }

  /** The cache inputs, in the layout's order. */
  int caches() {
    return caches.length;
  }

  Cache cache(int c) {
    return caches[c];
  }

  /** Rows of the batch tensor now (sequences in it, plus free slots). */
  int rows() {
    return rows;
  }

  /** Positions of every row now (the longest row's, plus its padding). */
  int width() {
    return width;
  }

  /** Times the batch was rebuilt from its rows. */
  long rebuilds() {
    return rebuilds;
  }

  /** The sequence in row {@code r}, or null for a free slot. */
  @Nullable Sequence slot(int r) {
    return slots[r];
  }

  /** The buffer that holds cache {@code c}'s past for the batch's rows. */
  ByteBuffer past(int c) {
    return kv[c][cur];
  }

  /** Cache {@code c}'s other buffer, at least {@code bytes} long, for the step's present. */
  ByteBuffer present(int c, long bytes) {
    int next = 1 - cur;
    kv[c][next] = ensure(kv[c][next], bytes);
    return kv[c][next];
  }

  /** After a step: the presents become the pasts, one position wider, each sequence one longer. */
  void advance() {
    cur = 1 - cur;
    width++;
    for (int r = 0; r < rows; r++) {
      Sequence q = slots[r];
      if (q != null) {
        q.position++;
      }
    }
  }

  /** Frees every slot; the sequences that held one can no longer step. */
  void clear() {
    for (Sequence q : slots) {
      if (q != null) {
        q.slot = -1;
      }
    }
    slots = new Sequence[0];
    rows = 0;
    width = 0;
  }

  /**
   * Makes the batch's rows the given sequences (plus free slots), copying as little as it can; the
   * sequences of this step carry {@code stamp}.
   */
  void arrange(Sequence[] seqs, int count, int longest, long stamp) {
    long s = stamp;
    int free = 0;
    for (int r = 0; r < rows; r++) {
      Sequence q = slots[r];
      if (q != null && (q.closed || q.stamp != s)) {
        if (!q.closed) {
          evict(q);
        }
        q.slot = -1;
        slots[r] = null;
        q = null;
      }
      if (q == null) {
        free++;
      }
    }
    int joiners = 0;
    boolean fits = true;
    for (int i = 0; i < count; i++) {
      Sequence q = seqs[i];
      if (q.slot < 0) {
        joiners++;
        fits &= q.position <= width;
      }
    }
    int freeAfter = free - joiners;
    if (!fits || freeAfter < 0 || 2 * freeAfter > rows || width > 2 * longest + 32) {
      rebuild(seqs, count, longest);
      return;
    }
    int r = 0;
    for (int i = 0; i < count; i++) {
      Sequence q = seqs[i];
      if (q.slot < 0) {
        while (slots[r] != null) {
          r++;
        }
        insert(q, r);
      }
    }
  }

  /** Copies a sequence's real positions out of the batch into its own buffers. */
  private void evict(Sequence q) {
    int len = q.position;
    ByteBuffer[] own = new ByteBuffer[caches.length];
    for (int c = 0; c < caches.length; c++) {
      own[c] = direct(len * rowBytes(c));
      copyRow(c, kv[c][cur], rows, q.slot, width, width - len, own[c], 1, 0, len, 0, len);
    }
    q.cache = own;
  }

  /** Copies a sequence into free slot {@code r}: zeros, then its positions as the last columns. */
  private void insert(Sequence q, int r) {
    int len = q.position;
    ByteBuffer[] own = java.util.Objects.requireNonNull(q.cache, "cache");
    for (int c = 0; c < caches.length; c++) {
      zeroRow(c, kv[c][cur], rows, r, width, width - len);
      copyRow(c, own[c], 1, 0, len, 0, kv[c][cur], rows, r, width, width - len, len);
    }
    q.cache = null;
    q.slot = r;
    slots[r] = q;
  }

  /** The batch rebuilt from the given rows alone, in their order, as wide as the longest. */
  private void rebuild(Sequence[] seqs, int count, int longest) {
    int next = 1 - cur;
    for (int c = 0; c < caches.length; c++) {
      kv[c][next] = ensure(kv[c][next], (long) count * longest * rowBytes(c));
      for (int i = 0; i < count; i++) {
        Sequence q = seqs[i];
        int len = q.position;
        int pad = longest - len;
        zeroRow(c, kv[c][next], count, i, longest, pad);
        ByteBuffer[] own = q.cache;
        if (q.slot >= 0) {
          copyRow(
              c,
              kv[c][cur],
              rows,
              q.slot,
              width,
              width - len,
              kv[c][next],
              count,
              i,
              longest,
              pad,
              len);
        } else {
          copyRow(
              c,
              java.util.Objects.requireNonNull(own, "cache")[c],
              1,
              0,
              len,
              0,
              kv[c][next],
              count,
              i,
              longest,
              pad,
              len);
        }
      }
    }
    Sequence[] fresh = new Sequence[count];
    for (int i = 0; i < count; i++) {
      fresh[i] = seqs[i];
      seqs[i].slot = i;
      seqs[i].cache = null;
    }
    slots = fresh;
    rows = count;
    width = longest;
    cur = next;
    rebuilds++;
  }

  /**
   * A sequence's own buffer for cache {@code c}: the first {@code len} positions of row {@code row}
   * of {@code src}, a packed {@code [outer, rows, mid, width, inner]} buffer padded on the right (a
   * batched prefill's present).
   */
  ByteBuffer firstPositions(int c, ByteBuffer src, int rows, int row, int width, int len) {
    ByteBuffer own = direct(len * rowBytes(c));
    copyRow(c, src, rows, row, width, 0, own, 1, 0, len, 0, len);
    return own;
  }

  /** Bytes of one position of one row of cache {@code c}. */
  long rowBytes(int c) {
    return outer[c] * mid[c] * innerBytes[c];
  }

  /**
   * Copies {@code len} positions of one row between packed buffers {@code [outer, rows, mid, width,
   * inner]}: one run per (outer, mid) block.
   */
  private void copyRow(
      int c,
      ByteBuffer src,
      int srcRows,
      int srcRow,
      int srcWidth,
      int srcFrom,
      ByteBuffer dst,
      int dstRows,
      int dstRow,
      int dstWidth,
      int dstFrom,
      int len) {
    long in = innerBytes[c];
    int bytes = Math.toIntExact(len * in);
    if (bytes == 0) {
      return;
    }
    for (long o = 0; o < outer[c]; o++) {
      for (long m = 0; m < mid[c]; m++) {
        long s = (((o * srcRows + srcRow) * mid[c] + m) * srcWidth + srcFrom) * in;
        long d = (((o * dstRows + dstRow) * mid[c] + m) * dstWidth + dstFrom) * in;
        dst.put(Math.toIntExact(d), src, Math.toIntExact(s), bytes);
      }
    }
  }

  /** Zeros the first {@code len} positions of one row. */
  private void zeroRow(int c, ByteBuffer dst, int dstRows, int dstRow, int dstWidth, int len) {
    long in = innerBytes[c];
    long bytes = len * in;
    if (bytes == 0) {
      return;
    }
    for (long o = 0; o < outer[c]; o++) {
      for (long m = 0; m < mid[c]; m++) {
        long d = (((o * dstRows + dstRow) * mid[c] + m) * dstWidth) * in;
        for (long done = 0; done < bytes; ) {
          int n = (int) Math.min(ZEROS.capacity(), bytes - done);
          dst.put(Math.toIntExact(d + done), ZEROS, 0, n);
          done += n;
        }
      }
    }
  }
}
