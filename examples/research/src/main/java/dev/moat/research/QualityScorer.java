package dev.moat.research;

import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.watermark.DetectionResult;
import dev.moat.watermark.KgwDetector;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkDetector;
import dev.moat.watermark.WatermarkSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * p-values and z-scores of one scheme's detector (under the quality report's key) on prefixes of
 * outputs, each (context, token) pair scored once or every token; an entropy-thresholded KGW scheme
 * gets the model's entropies of the text.
 *
 * <p>Thread-safe: immutable; its detector and model are thread-safe.
 */
final class QualityScorer {
  final WatermarkSpec spec;
  final WatermarkDetector detector;
  final OnnxCausalLm model;

  final boolean ignoreRepeated;

  QualityScorer(WatermarkSpec spec, OnnxCausalLm model, boolean ignoreRepeated) {
    this.ignoreRepeated = ignoreRepeated;
    this.spec = spec;
    this.detector = spec.detector(QualityRuns.KEY);
    this.model = model;
  }

  DetectionResult detect(int[] prompt, int[] output, int len) throws Exception {
    int[] all = TokenIds.concat(prompt, java.util.Arrays.copyOf(output, len));
    if (spec instanceof KgwSettings k && k.entropyThreshold() > 0) {
      return ((KgwDetector) detector)
          .detect(all, prompt.length, ignoreRepeated, model.entropies(all));
    }
    return detector.detect(all, prompt.length, ignoreRepeated);
  }

  double[] pValues(int[][] prompts, int[][] outputs, int len) throws Exception {
    List<Double> ps = new ArrayList<>();
    for (int p = 0; p < prompts.length; p++) {
      if (outputs[p].length >= len) {
        ps.add(detect(prompts[p], outputs[p], len).pValue());
      }
    }
    return ps.stream().mapToDouble(Double::doubleValue).toArray();
  }

  double[] meanZ(int[][] prompts, int[][] outputs, int[] lengths) throws Exception {
    double[] z = new double[lengths.length];
    for (int i = 0; i < lengths.length; i++) {
      double sum = 0;
      int count = 0;
      for (int p = 0; p < prompts.length; p++) {
        if (outputs[p].length >= lengths[i]) {
          sum += detect(prompts[p], outputs[p], lengths[i]).zScore();
          count++;
        }
      }
      z[i] = count == 0 ? Double.NaN : sum / count;
    }
    return z;
  }
}
