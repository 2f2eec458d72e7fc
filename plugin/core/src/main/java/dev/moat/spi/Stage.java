package dev.moat.spi;

/**
 * Where a protection runs in the sampling step. A request's protections are compiled into this
 * order when it starts and whenever its escalation level changes; the order is fixed and part of
 * the contract:
 *
 * <ol>
 *   <li>{@link #PERTURBATION}: degrade the distribution for suspicious traffic. The escalation
 *       level's perturbations (keyed logit noise, anti-distillation) run first, then the tier's own
 *       perturbation protections. They come before the watermark so that the watermark is applied
 *       to what is actually sampled from, and so perturbation cannot wash the watermark out.
 *   <li>{@link #WATERMARK}: bias or choose tokens with keyed randomness.
 *   <li>Sampling: the host's temperature, top-k and top-p, done by Moat's sampler or by the one
 *       protection that owns sampling. The level's temperature jitter scales the temperature here,
 *       when Moat samples (a host that samples itself does not get it).
 *   <li>{@link #PACING}: after the token is chosen, every protection is told it; pacing ones say
 *       how long to hold it before emitting (the longest hold wins).
 * </ol>
 *
 * <p>Within one stage, a tier's protections run in the order they were configured: the policy's
 * watermark, then those added with {@code Moat.builder().addProtection}, in the order added.
 */
public enum Stage {
  PERTURBATION,
  WATERMARK,
  PACING
}
