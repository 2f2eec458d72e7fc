package dev.moat.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.util.List;
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
 * d.prefill(joining, prompts, k, logits, 0);  // k prompts, as few calls as the logits allow
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
 * into the sequence's own buffer; it joins the batch at its first {@link #step}. Several sequences
 * joining together prefill in one call ({@link #prefill(Sequence[], int[][], int, float[], int)}):
 * right-padded, so that the causal mask hides the padding from every real position, each row's real
 * positions then copied into its sequence's own buffer.
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

  private final Layout layout;
  final int vocab;
  final KvBatch batch;
  final BatchCalls model;
  private long stamp;
  private boolean closed;

  /** {@link #PREFILL_LOGITS_BYTES}; tests set less to see prompts split over calls. */
  long prefillLogitsBytes = PREFILL_LOGITS_BYTES;

  /**
   * A decoder over {@code session}, which must take {@code input_ids}, {@code attention_mask},
   * {@code position_ids} and the layout's caches (and {@code use_cache_branch} if the layout says
   * so). The session stays the caller's: closing the decoder does not close it.
   */
  public BatchDecoder(OrtEnvironment env, OrtSession session, Layout layout) {
    this.layout = layout;
    this.vocab = layout.vocabSize();
    this.batch = new KvBatch(layout);
    this.model = new BatchCalls(env, session, layout);
  }

  public Layout layout() {
    return layout;
  }

  /** A sequence with an empty cache; {@link #prefill} it, then pass it to {@link #step}. */
  public Sequence newSequence() {
    return new Sequence(this);
  }

  /**
   * Model calls so far: one per {@link #step} and per one-sequence prefill, as many as a batched
   * prefill's prompts need.
   */
  public long calls() {
    return model.calls();
  }

  /** Times the batch was rebuilt from its rows (see the class comment). */
  public long rebuilds() {
    return batch.rebuilds();
  }

  /** Rows of the batch tensor now (sequences in it, plus free slots). */
  public int rows() {
    return batch.rows();
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
    for (int i = 0; i < p; i++) {
      idBuf[i] = checkToken(prompt[i], i);
    }
    ByteBuffer[] cache = model.prefill(batch, new long[][] {idBuf}, 1, logits, offset)[0];
    s.cache = cache;
    s.position = p;
  }

  /**
   * The most logits one batched prefill may ask the graph for ({@code rows × longest prompt ×
   * vocabulary} floats): the exports return every position's logits, so sixteen prompts of 100
   * tokens at a vocabulary of 128,256 would be 820 MB. A prompt alone past this still runs, alone.
   */
  public static final long PREFILL_LOGITS_BYTES = 64L << 20;

  /**
   * Prefills {@code seqs[i]} with {@code prompts[i]} for each {@code i < count}, several prompts
   * per model call, and writes the logits after prompt {@code i} to {@code logits[offset + i *
   * vocabSize, ...)}. Prompts go in order, right-padded to the longest of their call, as many to a
   * call as {@link #PREFILL_LOGITS_BYTES} allows. A prompt's logits and cache are those of its
   * prefill alone up to float rounding, since the padding follows the prompt, where the causal mask
   * hides it: bit-identical logits on the bundled model ({@code BatchDecoderTest}); on the Hugging
   * Face fixtures within 6.7e-6, and 7.8e-3 with an fp16 cache, over the prefill and the step after
   * it ({@code HfBatchDecoderTest}). Everything is checked before the first call. If a call fails,
   * its sequences and the later ones stay unprefilled ({@link Sequence#position} 0) and the earlier
   * calls' are prefilled.
   */
  public void prefill(Sequence[] seqs, int[][] prompts, int count, float[] logits, int offset)
      throws OrtException {
    checkOpen();
    JoiningPrompts.prefill(this, seqs, prompts, count, logits, offset, ++stamp);
  }

  /**
   * Feeds {@code tokens[i]} to {@code seqs[i]} for each {@code i < count} in one model call and
   * writes the logits for the position after it to {@code logits[i * vocabSize, (i + 1) *
   * vocabSize)}. Sequences in the batch and not given here leave it (their caches kept); closed
   * ones free their slots.
   */
  public void step(Sequence[] seqs, int count, int[] tokens, float[] logits) throws OrtException {
    checkOpen();
    checkCount(count, Math.min(seqs.length, tokens.length));
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
    batch.arrange(seqs, count, longest, s);
    model.step(batch);
    model.logits(seqs, count, logits);
  }

  /** {@code count} rows of arrays that hold {@code most}. */
  static void checkCount(int count, int most) {
    if (count < 1 || count > most) {
      throw new IllegalArgumentException(
          "`count` was '" + count + "' but it must be in [1, " + most + "]");
    }
  }

  void own(Sequence s) {
    if (s.owner != this) {
      throw new IllegalArgumentException("the sequence belongs to another BatchDecoder");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this BatchDecoder is closed");
    }
  }

  void checkFits(int total) {
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

  void checkRow(float[] logits, int offset, int count) {
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

  /** Drops the batch's buffers; sequences can no longer step. Idempotent. */
  @Override
  public void close() {
    closed = true;
    batch.clear();
  }

  /**
   * One sequence's state: its position count, and its cache while it is out of the batch.
   *
   * <p>Not thread-safe: owned by the decoder's loop.
   */
  public static final class Sequence implements AutoCloseable {
    private final BatchDecoder owner;
    int position;
    int slot = -1; // the sequence's row in the batch, or -1 when it is out of it
    ByteBuffer @Nullable [] cache; // its own cache while it is out of the batch
    boolean closed;
    long stamp; // the last step it was given to
    int token; // the token it is fed at that step

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
