package dev.moat.spi;

/**
 * Where a protection runs in the sampling step. The pipeline applies protections in this order,
 * which is fixed and part of the contract:
 *
 * <ol>
 *   <li>{@link #PERTURBATION}: degrade the distribution for suspicious traffic (noise, temperature
 *       jitter). It comes first so that the watermark is applied to what is actually sampled from,
 *       and so perturbation cannot wash the watermark out.
 *   <li>{@link #WATERMARK}: bias or choose tokens with keyed randomness.
 *   <li>Sampling: the host's temperature, top-k and top-p, done by Moat's sampler or by the one
 *       protection that owns sampling.
 *   <li>{@link #PACING}: after the token is chosen, decide how long to hold it before emitting.
 * </ol>
 *
 * <p>Within one stage, protections run in the order the policy lists them.
 */
public enum Stage {
  PERTURBATION,
  WATERMARK,
  PACING
}
