package dev.moat.onnxruntime;

import ai.onnxruntime.OrtException;
import dev.moat.MoatRequest;
import dev.moat.sampling.Sampler;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The host loop over any model that decodes with a KV cache ({@link KvDecoder}: ONNX Runtime's
 * graphs, Jlama's safetensors): prefill the prompt, then per step take the logits, let Moat process
 * them and pick the token (or sample without Moat), hold the token as long as Moat asks, emit it,
 * and feed it back. Stops at the end-of-sequence token, at {@code maxTokens}, or when the model's
 * context is full.
 *
 * <p>This loop holds its thread while a token is held (fine for a batch job or a thread per request
 * on virtual threads); a server that must not block schedules the emission instead.
 *
 * <p>Thread-safe: {@link #generate} may run concurrently on many threads.
 */
public final class KvGenerator {
  private final Supplier<? extends KvDecoder> decoders;
  private final int vocabSize;
  private final int maxPositions;
  private final IntPredicate eos;

  /**
   * A loop over decoders from {@code decoders} (one per generation) of a model with {@code
   * vocabSize} scores per step and {@code maxPositions} positions, ending at tokens {@code eos}
   * accepts.
   */
  public KvGenerator(
      Supplier<? extends KvDecoder> decoders, int vocabSize, int maxPositions, IntPredicate eos) {
    this.decoders = decoders;
    this.vocabSize = vocabSize;
    this.maxPositions = maxPositions;
    this.eos = eos;
  }

  /** Generates with Moat in the loop: sampling settings come from the request's context. */
  public GenerationResult generate(int[] prompt, MoatRequest moat, TokenSink sink)
      throws OrtException {
    return run(prompt, moat.context().sampling(), moat, sink);
  }

  /** Generates without Moat (the plain host loop, with the same sampler). */
  public GenerationResult generate(int[] prompt, SamplingParams params, TokenSink sink)
      throws OrtException {
    return run(prompt, params, null, sink);
  }

  private GenerationResult run(
      int[] prompt, SamplingParams params, @Nullable MoatRequest moat, TokenSink sink)
      throws OrtException {
    Sampler sampler = moat == null ? new Sampler(params, vocabSize) : null;
    int[] out = new int[params.maxTokens()];
    int n = 0;
    long modelNanos = 0;
    long moatNanos = 0;
    long heldNanos = 0;
    FinishReason reason = FinishReason.LENGTH;
    try (KvDecoder decoder = decoders.get()) {
      long t0 = System.nanoTime();
      float[] logits = decoder.prefill(prompt);
      modelNanos += System.nanoTime() - t0;
      while (true) {
        long t1 = System.nanoTime();
        int token;
        long hold = 0;
        if (moat != null) {
          token = moat.sample(logits);
          hold = moat.accept(token);
        } else {
          token = Objects.requireNonNull(sampler, "sampler").sample(logits, 0);
        }
        moatNanos += moat == null ? 0 : System.nanoTime() - t1;
        if (hold > 0) {
          heldNanos += hold(hold);
        }
        if (eos.test(token)) {
          reason = FinishReason.STOP;
          break;
        }
        out[n++] = token;
        sink.onToken(token);
        if (n == params.maxTokens() || decoder.position() >= maxPositions) {
          reason = FinishReason.LENGTH;
          break;
        }
        long t2 = System.nanoTime();
        logits = decoder.next(token);
        modelNanos += System.nanoTime() - t2;
      }
    } catch (OrtException | RuntimeException | Error e) {
      reason = FinishReason.ERROR;
      throw e;
    } finally {
      if (moat != null) {
        moat.finish(reason);
      }
    }
    return new GenerationResult(Arrays.copyOf(out, n), reason, modelNanos, moatNanos, heldNanos);
  }

  /** Parks until {@code nanos} have passed ({@code parkNanos} may return early); the time held. */
  private static long hold(long nanos) {
    long start = System.nanoTime();
    long end = start + nanos;
    for (long left = nanos; left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
    return System.nanoTime() - start;
  }
}
