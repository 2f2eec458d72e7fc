package dev.moat.onnxruntime.hf;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Where a directory's decoder graph is and what its inputs and outputs are, read from ONNX
 * Runtime's session metadata (not assumed) and checked against {@code config.json}. The layout is
 * the one Hugging Face Optimum and transformers.js export: {@code input_ids}, {@code
 * attention_mask}, optional {@code position_ids}, {@code past_key_values.N.key|value} shaped {@code
 * [batch, kv_heads, positions, head_dim]} → {@code logits}, {@code present.N.key|value}; merged
 * decoders add a bool {@code use_cache_branch}.
 *
 * <p>Immutable (thread-safe).
 *
 * @param file the graph (external data files beside it are found by ONNX Runtime)
 * @param merged whether it takes {@code use_cache_branch}
 * @param positionIds whether it takes {@code position_ids}
 * @param cacheType the KV cache's element type: {@code FLOAT} or {@code FLOAT16}
 */
public record DecoderGraph(Path file, boolean merged, boolean positionIds, OnnxJavaType cacheType) {
  /** Where a graph is looked for, in this order. */
  public static final List<String> LOCATIONS =
      List.of(
          "model.onnx",
          "onnx/model.onnx",
          "decoder_model_merged.onnx",
          "onnx/decoder_model_merged.onnx");

  /** Whether the directory has a graph at one of {@link #LOCATIONS}. */
  static boolean anyGraph(Path dir) {
    for (String l : LOCATIONS) {
      if (Files.isRegularFile(dir.resolve(l))) {
        return true;
      }
    }
    return false;
  }

  /** The directory's graph: the first of {@link #LOCATIONS} that exists. */
  static Path find(Path dir) throws IOException {
    for (String l : LOCATIONS) {
      Path p = dir.resolve(l);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    List<String> found = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir, 2)) {
      s.filter(p -> p.toString().endsWith(".onnx"))
          .forEach(p -> found.add(dir.relativize(p).toString()));
    }
    throw new ModelDirectoryException(
        dir,
        "no decoder graph: looked for "
            + String.join(", ", LOCATIONS)
            + (found.isEmpty()
                ? " and found no .onnx file (export one with `optimum-cli export onnx --task"
                    + " text-generation-with-past`)"
                : " and found only " + found));
  }

  /** The graph's interface, checked against {@code config}; every problem collected. */
  static DecoderGraph inspect(Path dir, Path file, OrtSession s, HfConfig config)
      throws OrtException, ModelDirectoryException {
    String name = dir.relativize(file).toString();
    Map<String, NodeInfo> in = s.getInputInfo();
    Map<String, NodeInfo> out = s.getOutputInfo();
    List<String> problems = new ArrayList<>();
    Set<String> allowed =
        new TreeSet<>(List.of("input_ids", "attention_mask", "position_ids", "use_cache_branch"));
    int pasts = 0;
    OnnxJavaType cache = null;
    for (String n : in.keySet()) {
      if (n.startsWith("past_key_values.")) {
        pasts++;
      } else if (!allowed.contains(n)) {
        problems.add(
            name
                + ": input '"
                + n
                + "' is not one Moat feeds; it feeds input_ids, attention_mask, position_ids,"
                + " past_key_values.N.key|value and use_cache_branch");
      }
    }
    for (String n : List.of("input_ids", "attention_mask")) {
      if (!in.containsKey(n)) {
        problems.add(
            name + ": input '" + n + "' is missing; inputs are " + new TreeSet<>(in.keySet()));
      }
    }
    if (type(in, "input_ids") != null && type(in, "input_ids") != OnnxJavaType.INT64) {
      problems.add(
          name + ": input 'input_ids' is " + type(in, "input_ids") + " but it must be INT64");
    }
    if (pasts != 2 * config.layers()) {
      problems.add(
          ModelDirectoryException.field(
              HfConfig.FILE,
              "num_hidden_layers",
              config.layers(),
              "half the number of past_key_values inputs of " + name + " (" + pasts + ")"));
    }
    for (int i = 0; i < config.layers(); i++) {
      for (String kv : List.of("key", "value")) {
        String p = "past_key_values." + i + "." + kv;
        String o = "present." + i + "." + kv;
        if (!(in.get(p) != null && in.get(p).getInfo() instanceof TensorInfo t)) {
          problems.add(name + ": input '" + p + "' is missing");
          continue;
        }
        if (!out.containsKey(o)) {
          problems.add(name + ": output '" + o + "' is missing");
        }
        if (t.type != OnnxJavaType.FLOAT && t.type != OnnxJavaType.FLOAT16) {
          problems.add(
              name + ": input '" + p + "' is " + t.type + " but it must be FLOAT or FLOAT16");
        } else if (cache == null) {
          cache = t.type;
        }
        long[] d = t.getShape();
        if (d.length != 4) {
          problems.add(
              name
                  + ": input '"
                  + p
                  + "' has "
                  + d.length
                  + " dimensions but it must have 4 [batch, kv_heads, positions, head_dim]");
          continue;
        }
        if (d[1] > 0 && d[1] != config.kvHeads()) {
          problems.add(
              ModelDirectoryException.field(
                  HfConfig.FILE,
                  "num_key_value_heads",
                  config.kvHeads(),
                  "the KV heads of " + name + "'s '" + p + "' (" + d[1] + ")"));
        }
        if (d[3] > 0 && d[3] != config.headDim()) {
          problems.add(
              ModelDirectoryException.field(
                  HfConfig.FILE,
                  "head_dim (or hidden_size / num_attention_heads)",
                  config.headDim(),
                  "the head size of " + name + "'s '" + p + "' (" + d[3] + ")"));
        }
      }
    }
    if (!(out.get("logits") != null && out.get("logits").getInfo() instanceof TensorInfo logits)) {
      problems.add(
          name + ": output 'logits' is missing; outputs are " + new TreeSet<>(out.keySet()));
    } else {
      long[] d = logits.getShape();
      long v = d.length == 0 ? -1 : d[d.length - 1];
      if (v > 0 && v != config.vocabSize()) {
        problems.add(
            ModelDirectoryException.field(
                HfConfig.FILE,
                "vocab_size",
                config.vocabSize(),
                "the logits' last dimension in " + name + " (" + v + ")"));
      }
    }
    if (!problems.isEmpty()) {
      throw new ModelDirectoryException(dir, problems);
    }
    return new DecoderGraph(
        file,
        in.containsKey("use_cache_branch"),
        in.containsKey("position_ids"),
        cache == null ? OnnxJavaType.FLOAT : cache);
  }

  private static @Nullable OnnxJavaType type(Map<String, NodeInfo> in, String name) {
    NodeInfo n = in.get(name);
    return n != null && n.getInfo() instanceof TensorInfo t ? t.type : null;
  }
}
