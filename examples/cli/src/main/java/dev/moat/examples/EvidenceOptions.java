package dev.moat.examples;

import dev.moat.examples.cli.Range;
import dev.moat.forensics.WrongKeyControl;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What {@code ./moat evidence} takes: the texts, the keys and schemes (as recorded commitments, or
 * key ids with scheme options), the controls' sizes and where the report goes. Not thread-safe:
 * picocli sets its fields.
 */
final class EvidenceOptions {
  @Option(
      names = "--suspect",
      required = true,
      paramLabel = "FILE",
      description = "The suspect's texts, one per line.")
  Path suspect = Path.of("");

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "The report's directory.")
  Path out = Path.of("");

  @Option(names = "--prompts", paramLabel = "FILE", description = "One prompt per suspect text.")
  @Nullable Path prompts;

  @Option(names = "--control", paramLabel = "FILE", description = "Clean texts, one per line.")
  @Nullable Path control;

  @Option(
      names = "--served",
      paramLabel = "FILE",
      description = "Our served texts: adds the test filtered to their contexts.")
  @Nullable Path served;

  @Option(
      names = "--suspect-onnx",
      paramLabel = "DIR",
      description =
          "Open weights (model.onnx and config.json, the bundled format): adds the green-mass"
              + " test on the --served texts for each left-hash KGW key.")
  @Nullable Path suspectOnnx;

  @Option(
      names = "--reference-onnx",
      paramLabel = "DIR|bundled",
      description =
          "A model that never saw the key (ours without the watermark, a clean replica of the"
              + " suspect): adds the referenced green-mass test.")
  @Nullable String referenceOnnx;

  @Option(
      names = "--primary",
      paramLabel = "TEST",
      description =
          "The pre-registered primary test: black-box (the first key's first test, default) or"
              + " green-mass (its green-mass test, referenced where --reference-onnx is given).")
  String primary = "black-box";

  @Mixin KeysOption keysOption = new KeysOption();

  @Option(
      names = "--commitments",
      paramLabel = "FILE",
      description = "Lines of ./moat keys; the key must open each (no scheme options then).")
  @Nullable Path commitments;

  @Option(
      names = "--key-id",
      paramLabel = "ID[,ID...]",
      description = "Keys to test (default: demo-2026; with --commitments: a filter).")
  @Nullable String keyIds;

  @Mixin SchemeOptions schemes = new SchemeOptions();

  @Option(
      names = "--wrong-keys",
      paramLabel = "N",
      description = "Wrong-key control's keys (default: ${DEFAULT-VALUE}).")
  @Range(min = WrongKeyControl.MIN_KEYS, max = WrongKeyControl.MAX_KEYS)
  int wrongKeys = 1000;

  @Option(names = "--wrong-key-seed", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
  long wrongKeySeed = 1;

  @Option(
      names = "--alpha",
      paramLabel = "X",
      description = "The evidence bar (default: ${DEFAULT-VALUE}).")
  @Range(min = 1e-300, max = 0.5)
  double alpha = 1e-6;

  /** {@code --key-id} split at commas, or {@code dflt} when not given. */
  List<String> keyIds(List<String> dflt) {
    return keyIds == null ? dflt : List.of(keyIds.split(",", 0));
  }
}
