package dev.moat.jlama;

import dev.moat.MoatRequest;
import dev.moat.sampling.Sampler;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The host loop over a {@link JlamaCausalLm}: prefill the prompt, then per step let Moat process
 * the scores and pick the token (or sample without Moat, with the same sampler), hold the token as
 * long as Moat asks, emit it, and feed it back. Stops at an end-of-sequence token (sampled and
 * accepted, not emitted), at {@code maxTokens}, or when the model's context is full; Moat hears the
 * end exactly once, {@code ERROR} if the model or a protection failed.
 *
 * <p>The loop holds its thread while a token is held (a batch job, or a thread per request on
 * virtual threads); a server that must not block schedules the emission instead.
 *
 * <p>Thread-safe: {@link #generate} may run concurrently on many threads.
 */
public final class JlamaGenerator {
  private final JlamaCausalLm model;

  public JlamaGenerator(JlamaCausalLm model) {
    this.model = model;
  }

  /** The emitted tokens and why generation ended. Immutable. */
  public static final class Result {
    private final int[] tokens;
    private final FinishReason reason;

    Result(int[] tokens, FinishReason reason) {
      this.tokens = tokens.clone();
      this.reason = reason;
    }

    public int[] tokens() {
      return tokens.clone();
    }

    public FinishReason reason() {
      return reason;
    }

    @Override
    public String toString() {
      return "Result[" + tokens.length + " tokens, " + reason + "]";
    }
  }

  /** Generates with Moat in the loop: the sampling settings are the request's. */
  public Result generate(int[] prompt, MoatRequest moat, IntConsumer emitted) {
    return run(prompt, moat.context().sampling(), moat, emitted);
  }

  /** Generates without Moat (the plain loop, with Moat's sampler). */
  public Result generate(int[] prompt, SamplingParams params, IntConsumer emitted) {
    return run(prompt, params, null, emitted);
  }

  private Result run(
      int[] prompt, SamplingParams params, @Nullable MoatRequest moat, IntConsumer emitted) {
    Sampler plain = moat == null ? new Sampler(params, model.vocabSize()) : null;
    int[] out = new int[params.maxTokens()];
    int n = 0;
    FinishReason reason = FinishReason.LENGTH;
    try (JlamaCausalLm.Decoder d = model.newDecoder()) {
      float[] scores = d.prefill(prompt);
      while (true) {
        int token;
        if (moat != null) {
          token = moat.sample(scores);
          hold(moat.accept(token));
        } else {
          token = java.util.Objects.requireNonNull(plain, "sampler").sample(scores, 0);
        }
        if (model.isEos(token)) {
          reason = FinishReason.STOP;
          break;
        }
        out[n++] = token;
        emitted.accept(token);
        if (n == params.maxTokens() || d.position() >= model.maxPositions()) {
          break;
        }
        scores = d.next(token);
      }
    } catch (RuntimeException | Error e) {
      reason = FinishReason.ERROR;
      throw e;
    } finally {
      if (moat != null) {
        moat.finish(reason);
      }
    }
    return new Result(Arrays.copyOf(out, n), reason);
  }

  /** Parks until {@code nanos} have passed (parkNanos may return early). */
  private static void hold(long nanos) {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }
}
