/**
 * Distillation forensics: tests of whether a suspect model learned from a watermarked model's
 * output (watermark radioactivity, Sander et al. 2024). Needs no model: text in, p-values out.
 */
@NullMarked
package dev.moat.forensics;

import org.jspecify.annotations.NullMarked;
