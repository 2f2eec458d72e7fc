/**
 * Distillation forensics: tests of whether a suspect model learned from a watermarked model's
 * output (watermark radioactivity, Sander et al. 2024). Needs no model: text in, p-values out.
 * {@link dev.moat.forensics.Radioactivity} is the test; {@link dev.moat.forensics.SuspectTuples},
 * {@link dev.moat.forensics.WrongKeyControl}, {@link dev.moat.forensics.KolmogorovSmirnov} and
 * {@link dev.moat.forensics.Multiplicity} are what an evidence report adds to it (the same tuples
 * under every key, the wrong-key control, the null's calibration, corrections for several tests);
 * {@link dev.moat.forensics.CommittedScheme} ties the test's settings to a key commitment.
 */
@NullMarked
package dev.moat.forensics;

import org.jspecify.annotations.NullMarked;
