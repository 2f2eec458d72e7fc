/**
 * The traffic simulator: seeded API traffic from benign populations and distillation campaigns
 * ({@link dev.moat.research.sim.Scenarios}), labelled per request ({@link
 * dev.moat.research.sim.TrafficSimulator}), with the prompts it and the demos send ({@link
 * dev.moat.research.sim.Prompts}).
 */
@NullMarked
package dev.moat.research.sim;

import org.jspecify.annotations.NullMarked;
