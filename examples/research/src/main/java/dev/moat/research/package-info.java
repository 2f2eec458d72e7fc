/**
 * The experiments behind Moat's reports, run by the {@code ./moat} command line: watermark quality
 * ({@link dev.moat.research.QualityReport}), radioactivity ({@link
 * dev.moat.research.RadioactivityExperiment}) and its adversary ({@link
 * dev.moat.research.AdversaryExperiment}) with n-gram students, the probing classifier's trainer
 * ({@link dev.moat.research.MlpTrainer}) and the online replay of traffic through the detector
 * ({@link dev.moat.research.Replay}). The traffic simulator is in {@code dev.moat.research.sim} and
 * the independent usage generator in {@code dev.moat.research.usage}.
 */
@NullMarked
package dev.moat.research;

import org.jspecify.annotations.NullMarked;
