package dev.moat.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.internal.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The compact probing classifier in plain Java: one hidden layer of rectified linear units and a
 * logistic output, {@code sigmoid(w2 · relu(W1 x + b1) + b2)}, with the feature standardisation
 * folded into {@code W1} and {@code b1}. Scoring is {@code inputs × hidden} multiply-adds (432 for
 * the bundled model) and allocates nothing.
 *
 * <p>The file format ({@code moat-probe-mlp-v1}, JSON) lists the feature names the model was
 * trained on; loading a model trained on another feature set fails and names the difference. The
 * ONNX export of the same weights computes the same function ({@code MatMul, Add, Relu, MatMul,
 * Add, Sigmoid}).
 *
 * <p>Immutable and thread-safe.
 */
public final class MlpModel implements VerdictModel {
  /** The format name written into model files. */
  public static final String FORMAT = "moat-probe-mlp-v1";

  /** Where the bundled model lives on the class path. */
  public static final String BUNDLED = "/dev/moat/detect/probe-model.json";

  private final int inputs;
  private final int hidden;
  private final float[] w1; // hidden rows of `inputs` weights
  private final float[] b1;
  private final float[] w2;
  private final float b2;
  private final float threshold;
  private final float[] reference;
  private final Map<String, Object> metadata;

  /**
   * @param w1 hidden-layer weights, row {@code j} (unit j) at {@code j * inputs}
   * @param b1 hidden-layer biases
   * @param w2 output weights, one per hidden unit
   * @param b2 output bias
   * @param threshold the calibrated flagging threshold, in (0, 1)
   * @param reference a typical benign feature vector, against which reasons are stated
   * @param metadata how the model was trained (kept in the file, shown to operators)
   */
  public MlpModel(
      float[] w1,
      float[] b1,
      float[] w2,
      float b2,
      float threshold,
      float[] reference,
      Map<String, Object> metadata) {
    this.inputs = Features.COUNT;
    this.hidden = b1.length;
    if (hidden < 1 || w1.length != hidden * inputs || w2.length != hidden) {
      throw new IllegalArgumentException(
          Messages.invalid(
              "w1/b1/w2 sizes",
              w1.length + "/" + b1.length + "/" + w2.length,
              "hidden × " + inputs + " / hidden / hidden with hidden >= 1"));
    }
    if (reference.length != inputs) {
      throw new IllegalArgumentException(
          Messages.invalid("reference length", reference.length, String.valueOf(inputs)));
    }
    if (!(threshold > 0 && threshold < 1)) {
      throw new IllegalArgumentException(Messages.invalid("threshold", threshold, "in (0, 1)"));
    }
    checkFinite("w1", w1);
    checkFinite("b1", b1);
    checkFinite("w2", w2);
    checkFinite("b2", new float[] {b2});
    checkFinite("reference", reference);
    this.w1 = w1.clone();
    this.b1 = b1.clone();
    this.w2 = w2.clone();
    this.b2 = b2;
    this.threshold = threshold;
    this.reference = reference.clone();
    this.metadata = Map.copyOf(metadata);
  }

  /** The model bundled with the plugin, trained by {@code ./moat train-detector}. */
  public static MlpModel bundled() {
    try (InputStream in = MlpModel.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException("the bundled model " + BUNDLED + " is missing");
      }
      return read(in, BUNDLED);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads a model file. */
  public static MlpModel load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  private static MlpModel read(InputStream in, String name) throws IOException {
    JsonNode root = new ObjectMapper().readTree(in);
    String format = root.path("format").asText("");
    if (!FORMAT.equals(format)) {
      throw new IOException(name + ": " + Messages.invalid("format", format, "'" + FORMAT + "'"));
    }
    List<String> names = new ArrayList<>();
    root.path("features").forEach(n -> names.add(n.asText()));
    if (!names.equals(Features.names())) {
      throw new IOException(
          name
              + ": `features` was "
              + names
              + " but this plugin computes "
              + Features.names()
              + "; retrain with ./moat train-detector");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> meta =
        root.has("metadata")
            ? new ObjectMapper().convertValue(root.get("metadata"), Map.class)
            : Map.of();
    try {
      return new MlpModel(
          floats(root, "w1", name),
          floats(root, "b1", name),
          floats(root, "w2", name),
          (float) number(root, "b2", name),
          (float) number(root, "threshold", name),
          floats(root, "reference", name),
          meta);
    } catch (IllegalArgumentException e) {
      throw new IOException(name + ": " + e.getMessage(), e);
    }
  }

  private static double number(JsonNode root, String field, String name) throws IOException {
    JsonNode n = root.get(field);
    if (n == null || !n.isNumber()) {
      throw new IOException(name + ": " + Messages.invalid(field, n, "a number"));
    }
    return n.asDouble();
  }

  private static float[] floats(JsonNode root, String field, String name) throws IOException {
    JsonNode n = root.get(field);
    if (n == null || !n.isArray()) {
      throw new IOException(name + ": " + Messages.invalid(field, n, "an array of numbers"));
    }
    float[] out = new float[n.size()];
    for (int i = 0; i < out.length; i++) {
      if (!n.get(i).isNumber()) {
        throw new IOException(
            name + ": " + Messages.invalid(field + "[" + i + "]", n.get(i), "a number"));
      }
      out[i] = (float) n.get(i).asDouble();
    }
    return out;
  }

  /** Writes the model file. */
  public void save(Path file) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("format", FORMAT);
    ArrayNode names = root.putArray("features");
    Features.names().forEach(names::add);
    root.put("hidden", hidden);
    put(root.putArray("w1"), w1);
    put(root.putArray("b1"), b1);
    put(root.putArray("w2"), w2);
    root.put("b2", b2);
    root.put("threshold", threshold);
    put(root.putArray("reference"), reference);
    // Sorted: Map.copyOf iterates in a per-JVM random order, and the file must be reproducible.
    root.set("metadata", mapper.valueToTree(new java.util.TreeMap<>(metadata)));
    Files.writeString(
        file, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
  }

  private static void put(ArrayNode a, float[] values) {
    for (float v : values) {
      a.add(v);
    }
  }

  private static void checkFinite(String field, float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            Messages.invalid(field + "[" + i + "]", values[i], "a finite number"));
      }
    }
  }

  @Override
  public int inputs() {
    return inputs;
  }

  @Override
  public float score(float[] x) {
    return sigmoid(logit(x));
  }

  @Override
  public boolean logitIsExact() {
    return true;
  }

  /** The network's output before its sigmoid: exact where a float score has rounded to 0 or 1. */
  @Override
  public float logit(float[] x) {
    if (x.length < inputs) {
      throw new IllegalArgumentException(
          Messages.invalid("features length", x.length, "at least " + inputs));
    }
    float out = b2;
    for (int j = 0; j < hidden; j++) {
      float acc = 0f;
      int row = j * inputs;
      for (int i = 0; i < inputs; i++) {
        acc += w1[row + i] * x[i];
      }
      acc += b1[j];
      if (acc > 0f) {
        out += w2[j] * acc;
      }
    }
    return out;
  }

  static float sigmoid(float z) {
    return (float) (1.0 / (1.0 + Math.exp(-z)));
  }

  @Override
  public float threshold() {
    return threshold;
  }

  /** Hidden units. */
  public int hidden() {
    return hidden;
  }

  /** Copies of the weights, for export: {@code w1} (hidden × inputs), {@code b1}, {@code w2}. */
  public float[][] weights() {
    return new float[][] {w1.clone(), b1.clone(), w2.clone(), {b2}};
  }

  /** A typical benign feature vector (copy). */
  @Override
  public float[] reference() {
    return reference.clone();
  }

  /** How the model was trained. */
  public Map<String, Object> metadata() {
    return metadata;
  }
}
