package dev.moat;

import dev.moat.sampling.Sampler;
import dev.moat.spi.RequestProtection;
import java.util.SplittableRandom;

/**
 * A level's temperature jitter as one request's protection: before each step Moat samples, the
 * request's temperature is multiplied by a factor drawn uniformly from {@code [1 - j, 1 + j]}. A
 * perturbation-stage effect that acts on the sampler rather than on the row, so it has no effect
 * when the host samples itself.
 *
 * <p>Not thread-safe: per-request state. Draws from the request's level randomness, which the
 * level's logprob noise shares.
 */
final class TemperatureJitter implements RequestProtection {
  private final double jitter;
  private final SplittableRandom random;

  TemperatureJitter(double jitter, SplittableRandom random) {
    this.jitter = jitter;
    this.random = random;
  }

  /** Scales the sampler's temperature for the next step. */
  void beforeSample(Sampler sampler) {
    sampler.scaleTemperature((float) (1 + jitter * (2 * random.nextDouble() - 1)));
  }
}
