package dev.moat.onnxruntime;

import static dev.moat.onnxruntime.DirectBuffers.direct;
import static dev.moat.onnxruntime.DirectBuffers.directLongs;
import static dev.moat.onnxruntime.DirectBuffers.ensure;
import static dev.moat.onnxruntime.DirectBuffers.ensureLongs;
import static dev.moat.onnxruntime.DirectBuffers.slice;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.moat.onnxruntime.BatchDecoder.Sequence;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The model calls of a {@link BatchDecoder}: builds each call's input tensors ({@code input_ids},
 * {@code attention_mask}, {@code position_ids}, the caches' {@code past}), pins the {@code present}
 * outputs (and {@code FLOAT} logits) to the decoder's own buffers, runs the session and reads the
 * logits. Every tensor a call creates is closed when it returns, whether it succeeded or not.
 *
 * <p>Not thread-safe: owned by one {@link BatchDecoder} and driven by its decode loop.
 */
final class BatchCalls {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final BatchDecoder.Layout layout;
  private final int vocab;
  private long calls;
  private LongBuffer ids = directLongs(16);
  private LongBuffer mask = directLongs(256);
  private LongBuffer pos = directLongs(16);
  private ByteBuffer logitsBuf = direct(0);
  private float[] widened = new float[0]; // logits of a graph whose logits are not FLOAT
  private final Map<String, OnnxTensor> inputs = new HashMap<>();
  private final Map<String, OnnxValue> pinned = new HashMap<>();
  private final List<OnnxTensor> owned = new ArrayList<>();
  private final Set<String> logitsOnly = Set.of("logits");

  BatchCalls(OrtEnvironment env, OrtSession session, BatchDecoder.Layout layout) {
    this.env = env;
    this.session = session;
    this.layout = layout;
    this.vocab = layout.vocabSize();
  }

  /** Model calls so far. */
  long calls() {
    return calls;
  }

  /**
   * Runs the checked prompts {@code prompts[0 .. n)} in one call (one prompt alone: its {@code
   * attention_mask} all ones), right-padded to the longest: every padded position follows a
   * prompt's real ones, so under the causal mask no real position attends to it, and the padding's
   * {@code attention_mask} is 0. Writes prompt {@code i}'s logits after its last token to {@code
   * logits[offset + i * vocabSize, ...)} and returns its caches (one buffer per cache input, its
   * real positions only).
   */
  ByteBuffer[][] prefill(KvBatch batch, long[][] prompts, int n, float[] logits, int offset)
      throws OrtException {
    int width = 0;
    for (int i = 0; i < n; i++) {
      width = Math.max(width, prompts[i].length);
    }
    long[] idBuf = new long[n * width];
    long[] maskBuf = new long[n * width];
    long[] posBuf = new long[n * width];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < width; j++) {
        boolean real = j < prompts[i].length;
        idBuf[i * width + j] = real ? prompts[i][j] : 0;
        maskBuf[i * width + j] = real ? 1 : 0;
        posBuf[i * width + j] = j;
      }
    }
    long[] shape = {n, width};
    ByteBuffer[] present = new ByteBuffer[batch.caches()];
    try {
      put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idBuf), shape));
      put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(maskBuf), shape));
      put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(posBuf), shape));
      if (layout.useCacheBranch()) {
        put("use_cache_branch", OnnxTensor.createTensor(env, new boolean[] {false}));
      }
      for (int c = 0; c < present.length; c++) {
        BatchDecoder.Cache k = batch.cache(c);
        long bytes = (long) n * width * batch.rowBytes(c);
        present[c] = direct(bytes);
        put(k.past(), cacheTensor(direct(0), k.shape(n, 0), 0));
        pin(k.present(), cacheTensor(present[c], k.shape(n, width), bytes));
      }
      try (OrtSession.Result r = session.run(inputs, logitsOnly, pinned)) {
        calls++;
        FloatBuffer out = logitsTensor(r).getFloatBuffer(); // FLOAT16 widened to float
        if (out.capacity() != (long) n * width * vocab) {
          throw new IllegalStateException(
              "the graph returned "
                  + out.capacity() / ((long) n * width)
                  + " logits per position but the vocabulary has "
                  + vocab);
        }
        for (int i = 0; i < n; i++) {
          int last = i * width + prompts[i].length - 1;
          out.get(last * vocab, logits, offset + i * vocab, vocab);
        }
      }
    } finally {
      release();
    }
    if (n == 1) {
      return new ByteBuffer[][] {present}; // one prompt, no padding: the present is its cache
    }
    ByteBuffer[][] caches = new ByteBuffer[n][present.length];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < present.length; c++) {
        caches[i][c] = batch.firstPositions(c, present[c], n, i, width, prompts[i].length);
      }
    }
    return caches;
  }

  /** One call over every slot of {@code batch}; on success the presents become the pasts. */
  void step(KvBatch batch) throws OrtException {
    int b = batch.rows();
    int w = batch.width();
    int total = w + 1;
    ids = ensureLongs(ids, b);
    pos = ensureLongs(pos, b);
    mask = ensureLongs(mask, (long) b * total);
    for (int r = 0; r < b; r++) {
      Sequence q = batch.slot(r);
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
      for (int c = 0; c < batch.caches(); c++) {
        BatchDecoder.Cache k = batch.cache(c);
        ByteBuffer present = batch.present(c, (long) b * total * batch.rowBytes(c));
        put(k.past(), cacheTensor(batch.past(c), k.shape(b, w), (long) b * w * batch.rowBytes(c)));
        pin(
            k.present(),
            cacheTensor(present, k.shape(b, total), (long) b * total * batch.rowBytes(c)));
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
    batch.advance();
  }

  /**
   * After {@link #step}: writes row {@code seqs[i].slot}'s logits to {@code logits[i * vocabSize,
   * (i + 1) * vocabSize)} for each {@code i < count}.
   */
  void logits(Sequence[] seqs, int count, float[] logits) {
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
}
