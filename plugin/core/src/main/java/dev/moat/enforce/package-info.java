/**
 * Enforcement: what Moat does to a request beyond marking it. {@link dev.moat.enforce.Enforcer}
 * (budgets per account, client and campaign group in Bucket4j buckets; admit, delay, reject, cap),
 * the escalation ladder ({@link dev.moat.enforce.Escalation} maps a probing score and group verdict
 * to a {@link dev.moat.enforce.Level}), and {@link dev.moat.enforce.Pacing} (a tarpit through the
 * SPI's hold-before-emit).
 */
@NullMarked
package dev.moat.enforce;

import org.jspecify.annotations.NullMarked;
