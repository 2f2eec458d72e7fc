package dev.moat.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Continuous batching over a decoder graph that takes a per-row {@code attention_mask} and {@code
 * position_ids}: every {@link #step} feeds one token to each of the sequences it is given and runs
 * them in one model call, whatever their lengths, and sequences join and leave between steps.
 *
 * <pre>{@code
 * BatchDecoder d = model.newBatchDecoder();
 * BatchDecoder.Sequence s = d.newSequence();
 * d.prefill(s, prompt, logits, 0);            // the prompt alone, one call: logits after it
 * ...
 * d.step(seqs, n, tokens, logits);            // one call for n sequences: row i is seqs[i]'s
 * }</pre>
 *
 * <p>Layout. The KV caches of the sequences in the batch live in one tensor per cache input, {@code
 * [..., rows, ..., width, ...]}, each row left-padded: a row's real positions are the last {@code
 * position} columns, the padding columns are zeros with {@code attention_mask} 0 (the graph gives
 * them no weight), and {@code position_ids} is the row's own position. The graph's {@code present}
 * outputs are written into buffers of the decoder's own (ONNX Runtime's pinned outputs) and become
 * the next step's {@code past} inputs, two buffers per cache in turn, so a step whose rows are
 * those of the last one copies nothing but what the graph's own concatenation copies. When the rows
 * change: a sequence left out of a step is copied out of the batch into its own buffer (its slot is
 * free: a row of zeros the call computes and ignores); a sequence that comes back, or a new one, is
 * copied into a free slot when one is free and it fits the width; otherwise, or when more than half
 * the slots are free, or the width has grown past twice the longest row, the batch is rebuilt from
 * its rows alone (each row copied once, the width the longest row's).
 *
 * <p>Prefill runs one sequence alone ({@code attention_mask} all ones), its cache written straight
 * into the sequence's own buffer; it joins the batch at its first {@link #step}.
 *
 * <p>Numerics: for one row with no padding the graph computes what the one-sequence decoder does,
 * bit for bit. In a batch, the matrix products run over several rows and a left-padded row's
 * softmax sums zeros among its scores, so reductions may add in another order: a row's logits can
 * differ from its logits alone by float rounding (at most 1.4e-5 on the bundled model in {@code
 * BatchDecoderTest}).
 *
 * <p>Not thread-safe: one decode loop drives a decoder and its sequences (including {@link
 * Sequence#close}). Failure: an ONNX Runtime error in {@link #step} fails the step's rows together
 * and leaves every cache as it was before the call.
 */
public final class BatchDecoder implements AutoCloseable {
  /**
   * One cache input of the graph ({@code past}, e.g. {@code past_keys} or {@code
   * past_key_values.0.key}) and the output that returns it one position longer ({@code present},
   * e.g. {@code present_keys} or {@code present.0.key}); {@code dims} is the tensor's shape, whose
   * values at {@code batchAxis} (the rows) and {@code positionAxis} (the positions, after the rows)
   * are ignored. Immutable.
   */
  public static final class Cache {
    private final String past;
    private final String present;
    private final long[] dims;
    private final int batchAxis;
    private final int positionAxis;

    public Cache(String past, String present, long[] dims, int batchAxis, int positionAxis) {
      this.past = past;
      this.present = present;
      this.dims = dims.clone();
      this.batchAxis = batchAxis;
      this.positionAxis = positionAxis;
      if (batchAxis < 0 || positionAxis <= batchAxis || positionAxis >= dims.length) {
        throw new IllegalArgumentException(
            "`batchAxis` "
                + batchAxis
                + " and `positionAxis` "
                + positionAxis
                + " must satisfy 0 <= batchAxis < positionAxis < "
                + dims.length);
      }
      for (int i = 0; i < dims.length; i++) {
        if (i != batchAxis && i != positionAxis && dims[i] < 1) {
          throw new IllegalArgumentException(
              "`dims[" + i + "]` was '" + dims[i] + "' but it must be >= 1");
        }
      }
    }

    public String past() {
      return past;
    }

    public String present() {
      return present;
    }

    public int batchAxis() {
      return batchAxis;
    }

    public int positionAxis() {
      return positionAxis;
    }

    public long[] dims() {
      return dims.clone();
    }

    long[] shape(int rows, int width) {
      long[] s = dims.clone();
      s[batchAxis] = rows;
      s[positionAxis] = width;
      return s;
    }

    long product(int from, int to) {
      long p = 1;
      for (int i = from; i < to; i++) {
        p *= dims[i];
      }
      return p;
    }
  }

  /**
   * What the decoder needs to know of a graph.
   *
   * @param vocabSize logits per position
   * @param maxPositions the longest sequence the model takes
   * @param maxPositionsField where {@code maxPositions} came from, for messages
   * @param caches the cache inputs and outputs
   * @param cacheType {@code FLOAT} or {@code FLOAT16}
   * @param logitsType the logits' element type ({@code FLOAT} logits are written into the decoder's
   *     own buffer; others are read from ONNX Runtime's, widened to float)
   * @param useCacheBranch whether the graph takes a merged decoder's {@code use_cache_branch}
   */
  public record Layout(
      int vocabSize,
      int maxPositions,
      String maxPositionsField,
      List<Cache> caches,
      OnnxJavaType cacheType,
      OnnxJavaType logitsType,
      boolean useCacheBranch) {
    public Layout {
      caches = List.copyOf(caches);
      if (cacheType != OnnxJavaType.FLOAT && cacheType != OnnxJavaType.FLOAT16) {
        throw new IllegalArgumentException(
            "`cacheType` was '" + cacheType + "' but it must be FLOAT or FLOAT16");
      }
      if (vocabSize < 1 || maxPositions < 1 || caches.isEmpty()) {
        throw new IllegalArgumentException(
            "vocabSize and maxPositions must be >= 1 and caches non-empty");
      }
    }
  }

  private static final ByteBuffer ZEROS =
      ByteBuffer.allocateDirect(64 << 10).order(ByteOrder.nativeOrder());

  private final OrtEnvironment env;
  private final OrtSession session;
  private final Layout layout;
  private final int vocab;
  private final int elem;
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
  private long stamp;
  private long calls;
  private long rebuilds;
  private LongBuffer ids = directLongs(16);
  private LongBuffer mask = directLongs(256);
  private LongBuffer pos = directLongs(16);
  private ByteBuffer logitsBuf = direct(0);
  private float[] widened = new float[0]; // logits of a graph whose logits are not FLOAT
  private final Map<String, OnnxTensor> inputs = new HashMap<>();
  private final Map<String, OnnxValue> pinned = new HashMap<>();
  private final List<OnnxTensor> owned = new ArrayList<>();
  private final Set<String> logitsOnly = Set.of("logits");
  private boolean closed;

  /**
   * A decoder over {@code session}, which must take {@code input_ids}, {@code attention_mask},
   * {@code position_ids} and the layout's caches (and {@code use_cache_branch} if the layout says
   * so). The session stays the caller's: closing the decoder does not close it.
   */
  public BatchDecoder(OrtEnvironment env, OrtSession session, Layout layout) {
    this.env = env;
    this.session = session;
    this.layout = layout;
    this.vocab = layout.vocabSize();
    this.elem = layout.cacheType() == OnnxJavaType.FLOAT ? 4 : 2;
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
      innerBytes[c] = k.product(k.positionAxis() + 1, k.dims.length) * elem;
      kv[c][0] = direct(0);
      kv[c][1] = direct(0);
    }
  }

  public Layout layout() {
    return layout;
  }

  /** A sequence with an empty cache; {@link #prefill} it, then pass it to {@link #step}. */
  public Sequence newSequence() {
    return new Sequence(this);
  }

  /** Model calls so far ({@link #prefill} and {@link #step} each make one). */
  public long calls() {
    return calls;
  }

  /** Times the batch was rebuilt from its rows (see the class comment). */
  public long rebuilds() {
    return rebuilds;
  }

  /** Rows of the batch tensor now (sequences in it, plus free slots). */
  public int rows() {
    return rows;
  }

  /**
   * Runs {@code prompt} through the model alone and writes the logits for the position after it to
   * {@code logits[offset, offset + vocabSize)}; the sequence's cache is then the prompt's.
   */
  public void prefill(Sequence s, int[] prompt, float[] logits, int offset) throws OrtException {
    checkOpen();
    own(s);
    if (s.position != 0 || s.closed) {
      throw new IllegalStateException(
          s.closed ? "the sequence is closed" : "prefill was already called for this sequence");
    }
    int p = prompt.length;
    if (p == 0) {
      throw new IllegalArgumentException(
          "`prompt` was empty but it must have at least one token (e.g. bos)");
    }
    checkFits(p);
    checkRow(logits, offset, 1);
    long[] idBuf = new long[p];
    long[] ones = new long[p];
    long[] positions = new long[p];
    for (int i = 0; i < p; i++) {
      idBuf[i] = checkToken(prompt[i], i);
      ones[i] = 1;
      positions[i] = i;
    }
    ByteBuffer[] cache = new ByteBuffer[caches.length];
    try {
      put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idBuf), new long[] {1, p}));
      put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(ones), new long[] {1, p}));
      put(
          "position_ids",
          OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {1, p}));
      if (layout.useCacheBranch()) {
        put("use_cache_branch", OnnxTensor.createTensor(env, new boolean[] {false}));
      }
      for (int c = 0; c < caches.length; c++) {
        cache[c] = direct(p * rowBytes(c));
        put(caches[c].past(), cacheTensor(direct(0), caches[c].shape(1, 0), 0));
        pin(caches[c].present(), cacheTensor(cache[c], caches[c].shape(1, p), p * rowBytes(c)));
      }
      try (OrtSession.Result r = session.run(inputs, logitsOnly, pinned)) {
        calls++;
        FloatBuffer out = logitsTensor(r).getFloatBuffer(); // FLOAT16 widened to float
        if (out.capacity() != (long) p * vocab) {
          throw new IllegalStateException(
              "the graph returned "
                  + out.capacity() / p
                  + " logits per position but the vocabulary has "
                  + vocab);
        }
        out.get((p - 1) * vocab, logits, offset, vocab);
      }
    } finally {
      release();
    }
    s.cache = cache;
    s.position = p;
  }

  /**
   * Feeds {@code tokens[i]} to {@code seqs[i]} for each {@code i < count} in one model call and
   * writes the logits for the position after it to {@code logits[i * vocabSize, (i + 1) *
   * vocabSize)}. Sequences in the batch and not given here leave it (their caches kept); closed
   * ones free their slots.
   */
  public void step(Sequence[] seqs, int count, int[] tokens, float[] logits) throws OrtException {
    checkOpen();
    if (count < 1 || count > seqs.length || tokens.length < count) {
      throw new IllegalArgumentException(
          "`count` was '"
              + count
              + "' but it must be in [1, "
              + Math.min(seqs.length, tokens.length)
              + "]");
    }
    checkRow(logits, 0, count);
    long s = ++stamp;
    int longest = 0;
    for (int i = 0; i < count; i++) {
      Sequence q = seqs[i];
      own(q);
      if (q.closed) {
        throw new IllegalStateException("`seqs[" + i + "]` is closed");
      }
      if (q.position == 0) {
        throw new IllegalStateException("`seqs[" + i + "]` was not prefilled");
      }
      if (q.stamp == s) {
        throw new IllegalArgumentException("`seqs[" + i + "]` appears twice in one step");
      }
      checkFits(q.position + 1);
      q.token = (int) checkToken(tokens[i], i);
      q.stamp = s;
      longest = Math.max(longest, q.position);
    }
    arrange(seqs, count, longest);
    run();
    if (layout.logitsType() == OnnxJavaType.FLOAT) {
      FloatBuffer out = logitsBuf.asFloatBuffer();
      for (int i = 0; i < count; i++) {
        out.get(seqs[i].slot * vocab, logits, i * vocab, vocab);
      }
    } else {
      for (int i = 0; i < count; i++) {
        System.arraycopy(widened, seqs[i].slot * vocab, logits, i * vocab, vocab);
      }
    }
  }

  /** Makes the batch's rows the given sequences (plus free slots), copying as little as it can. */
  private void arrange(Sequence[] seqs, int count, int longest) {
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

  /** One call over every slot; on success the presents become the pasts. */
  private void run() throws OrtException {
    int b = rows;
    int w = width;
    int total = w + 1;
    int next = 1 - cur;
    ids = ensureLongs(ids, b);
    pos = ensureLongs(pos, b);
    mask = ensureLongs(mask, (long) b * total);
    for (int r = 0; r < b; r++) {
      Sequence q = slots[r];
      int real = q == null ? 0 : q.position;
      ids.put(r, q == null ? 0 : q.token);
      pos.put(r, real);
      int base = r * total;
      for (int j = 0; j < w; j++) {
        mask.put(base + j, j >= w - real ? 1 : 0);
      }
      mask.put(base + w, 1); // the fed token (a free slot attends to itself only)
    }
    try {
      put("input_ids", OnnxTensor.createTensor(env, slice(ids, b), new long[] {b, 1}));
      put(
          "attention_mask",
          OnnxTensor.createTensor(env, slice(mask, (long) b * total), new long[] {b, total}));
      put("position_ids", OnnxTensor.createTensor(env, slice(pos, b), new long[] {b, 1}));
      if (layout.useCacheBranch()) {
        put("use_cache_branch", OnnxTensor.createTensor(env, new boolean[] {true}));
      }
      for (int c = 0; c < caches.length; c++) {
        kv[c][next] = ensure(kv[c][next], (long) b * total * rowBytes(c));
        put(
            caches[c].past(),
            cacheTensor(kv[c][cur], caches[c].shape(b, w), (long) b * w * rowBytes(c)));
        pin(
            caches[c].present(),
            cacheTensor(kv[c][next], caches[c].shape(b, total), (long) b * total * rowBytes(c)));
      }
      boolean pinLogits = layout.logitsType() == OnnxJavaType.FLOAT;
      if (pinLogits) {
        logitsBuf = ensure(logitsBuf, (long) b * vocab * 4);
        pin(
            "logits",
            OnnxTensor.createTensor(
                env,
                slice(logitsBuf, (long) b * vocab * 4),
                new long[] {b, 1, vocab},
                OnnxJavaType.FLOAT));
      }
      try (OrtSession.Result r = session.run(inputs, pinLogits ? Set.of() : logitsOnly, pinned)) {
        calls++;
        if (!pinLogits) {
          FloatBuffer f = logitsTensor(r).getFloatBuffer();
          if (widened.length < b * vocab) {
            widened = new float[b * vocab];
          }
          f.get(0, widened, 0, b * vocab);
        }
      }
    } finally {
      release();
    }
    cur = next;
    width = total;
    for (int r = 0; r < b; r++) {
      Sequence q = slots[r];
      if (q != null) {
        q.position++;
      }
    }
  }

  private long rowBytes(int c) {
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

  private OnnxTensor cacheTensor(ByteBuffer b, long[] shape, long bytes) throws OrtException {
    return OnnxTensor.createTensor(env, slice(b, bytes), shape, layout.cacheType());
  }

  private void put(String name, OnnxTensor t) {
    owned.add(t);
    inputs.put(name, t);
  }

  private void pin(String name, OnnxTensor t) {
    owned.add(t);
    pinned.put(name, t);
  }

  private void release() {
    for (OnnxTensor t : owned) {
      t.close();
    }
    owned.clear();
    inputs.clear();
    pinned.clear();
  }

  private static OnnxTensor logitsTensor(OrtSession.Result r) {
    Optional<OnnxValue> v = r.get("logits");
    if (v.isEmpty() || !(v.get() instanceof OnnxTensor t)) {
      throw new IllegalStateException("the model returned no tensor 'logits'");
    }
    return t;
  }

  private void own(Sequence s) {
    if (s.owner != this) {
      throw new IllegalArgumentException("the sequence belongs to another BatchDecoder");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this BatchDecoder is closed");
    }
  }

  private void checkFits(int total) {
    if (total > layout.maxPositions()) {
      throw new IllegalStateException(
          "sequence of "
              + total
              + " tokens exceeds the model's "
              + layout.maxPositionsField()
              + " "
              + layout.maxPositions());
    }
  }

  private long checkToken(int t, int i) {
    if (t < 0 || t >= vocab) {
      throw new IllegalArgumentException(
          "`input_ids[" + i + "]` was '" + t + "' but it must be in [0, " + vocab + ")");
    }
    return t;
  }

  private void checkRow(float[] logits, int offset, int count) {
    if (offset < 0 || (long) offset + (long) count * vocab > logits.length) {
      throw new IllegalArgumentException(
          "`logits.length` was '"
              + logits.length
              + "' but it must be >= "
              + ((long) offset + (long) count * vocab)
              + " ("
              + count
              + " rows of "
              + vocab
              + " from offset "
              + offset
              + ")");
    }
  }

  private static ByteBuffer direct(long bytes) {
    return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
  }

  /** {@code b} if it holds {@code bytes}, else a larger buffer (contents not kept). */
  private static ByteBuffer ensure(ByteBuffer b, long bytes) {
    if (b.capacity() >= bytes) {
      return b;
    }
    return direct(Math.max(bytes, Math.min(Integer.MAX_VALUE, 2L * b.capacity())));
  }

  private static LongBuffer directLongs(long n) {
    return direct(n * 8).asLongBuffer();
  }

  private static LongBuffer ensureLongs(LongBuffer b, long n) {
    return b.capacity() >= n ? b : directLongs(Math.max(n, 2L * b.capacity()));
  }

  private static ByteBuffer slice(ByteBuffer b, long bytes) {
    return b.duplicate()
        .order(ByteOrder.nativeOrder())
        .position(0)
        .limit(Math.toIntExact(bytes))
        .slice()
        .order(ByteOrder.nativeOrder());
  }

  private static LongBuffer slice(LongBuffer b, long n) {
    return b.duplicate().position(0).limit(Math.toIntExact(n)).slice();
  }

  /** Drops the batch's buffers; sequences can no longer step. Idempotent. */
  @Override
  public void close() {
    closed = true;
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
   * One sequence's state: its position count, and its cache while it is out of the batch.
   *
   * <p>Not thread-safe: owned by the decoder's loop.
   */
  public static final class Sequence implements AutoCloseable {
    private final BatchDecoder owner;
    private int position;
    private int slot = -1;
    private ByteBuffer @Nullable [] cache;
    private boolean closed;
    private long stamp;
    private int token;

    private Sequence(BatchDecoder owner) {
      this.owner = owner;
    }

    /** Positions consumed so far (prompt plus tokens fed back). */
    public int position() {
      return position;
    }

    /** Ends the sequence: its slot is free from the next step, its own buffers dropped. */
    @Override
    public void close() {
      closed = true;
      cache = null;
    }
  }
}
