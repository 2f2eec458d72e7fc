package dev.moat.djl;

import ai.djl.inference.Predictor;
import ai.djl.modality.nlp.generate.CausalLMOutput;
import ai.djl.modality.nlp.generate.SearchConfig;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.spi.FinishReason;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * DJL's text generation with Moat in every sampling step. Where DJL code reads
 *
 * <pre>{@code
 * TextGenerator generator = new TextGenerator(predictor, "greedy", config);
 * }</pre>
 *
 * a DJL user writes
 *
 * <pre>{@code
 * MoatTextGenerator generator = new MoatTextGenerator(predictor, config, moat, layout);
 * }</pre>
 *
 * and passes each request's {@link RequestContext} (who is asking; temperature, top-k, top-p and
 * seed; the tier decides what Moat applies) to {@link #generate}. {@code config.getMaxSeqLength()}
 * bounds prompt plus output; the layout's end-of-sequence token stops generation.
 *
 * <p>Thread-safe if the predictor is used by one thread at a time: DJL predictors are not
 * thread-safe, so use one generator per thread (they can share the {@link Moat} and the model).
 */
public final class MoatTextGenerator {
  static {
    DjlOffline.ensure();
  }

  /**
   * What the generator must know of the decoder: its cache geometry (to create the empty cache) and
   * its end-of-sequence token (DJL's {@code SearchConfig} has no setter for it).
   */
  public record DecoderLayout(int layers, int heads, int headDim, int eosTokenId) {}

  private final Predictor<NDList, CausalLMOutput> predictor;
  private final SearchConfig config;
  private final Moat moat;
  private final DecoderLayout layout;

  public MoatTextGenerator(
      Predictor<NDList, CausalLMOutput> predictor,
      SearchConfig config,
      Moat moat,
      DecoderLayout layout) {
    this.predictor = predictor;
    this.config = config;
    this.moat = moat;
    this.layout = layout;
  }

  /**
   * Generates a continuation of {@code inputIds}, streaming each token to {@code sink}; returns the
   * generated ids (end-of-sequence excluded). {@code request.vocabSize()} must be the model's.
   */
  public int[] generate(int[] inputIds, RequestContext request, IntConsumer sink)
      throws TranslateException {
    checkInput(inputIds, request);
    return generate(inputIds, moat.begin(request), sink);
  }

  /**
   * Generates with a request already started (by {@link dev.moat.Serving}, say: scored, admitted,
   * following its account's verdict), and finishes it. {@code inputIds} are the prompt's tokens.
   */
  public int[] generate(int[] inputIds, MoatRequest r, IntConsumer sink) throws TranslateException {
    RequestContext request = r.context();
    try {
      checkInput(inputIds, request);
    } catch (IllegalArgumentException e) {
      r.finish(FinishReason.ERROR);
      throw e;
    }
    int maxNew =
        Math.min(request.sampling().maxTokens(), config.getMaxSeqLength() - inputIds.length);
    int[] out = new int[maxNew];
    int n = 0;
    FinishReason reason = FinishReason.LENGTH;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray ids =
          manager.create(
              Arrays.stream(inputIds).asLongStream().toArray(), new Shape(1, inputIds.length));
      Shape empty = new Shape(layout.layers(), 1, layout.heads(), 0, layout.headDim());
      NDList past =
          new NDList(
              manager.zeros(empty, DataType.FLOAT32), manager.zeros(empty, DataType.FLOAT32));
      while (true) {
        CausalLMOutput step;
        try (NDManager stepManager = manager.newSubManager()) {
          ids.attach(stepManager);
          past.attach(stepManager);
          step = predictor.predict(new NDList(ids, past.get(0), past.get(1)));
          long seq = step.getLogits().getShape().get(1);
          float[] logits = step.getLogits().get(0, seq - 1).toFloatArray();
          past = step.getPastKeyValuesList();
          past.attach(manager); // keep the cache; everything else of this step is freed
          int token = r.sample(logits);
          long hold = r.accept(token);
          if (hold > 0) {
            LockSupport.parkNanos(hold);
          }
          if (token == layout.eosTokenId()) {
            reason = FinishReason.STOP;
            break;
          }
          out[n++] = token;
          sink.accept(token);
          if (n == maxNew) {
            break;
          }
          ids = manager.create(new long[] {token}, new Shape(1, 1));
        }
      }
    } catch (TranslateException | RuntimeException e) {
      reason = FinishReason.ERROR;
      throw e;
    } finally {
      r.finish(reason);
    }
    return Arrays.copyOf(out, n);
  }

  private void checkInput(int[] inputIds, RequestContext request) {
    if (inputIds.length == 0) {
      throw new IllegalArgumentException(
          "`inputIds` was empty but it must have at least one token");
    }
    int maxNew =
        Math.min(request.sampling().maxTokens(), config.getMaxSeqLength() - inputIds.length);
    if (maxNew < 1) {
      throw new IllegalArgumentException(
          "`inputIds` had "
              + inputIds.length
              + " tokens but max_seq_length is "
              + config.getMaxSeqLength()
              + ": no room to generate");
    }
  }
}
