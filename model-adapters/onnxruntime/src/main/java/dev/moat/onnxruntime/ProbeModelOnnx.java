package dev.moat.onnxruntime;

import dev.moat.detect.Features;
import dev.moat.detect.MlpModel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Exports a {@link MlpModel} to ONNX: {@code features [N, 27] → MatMul → Add → Relu → MatMul → Add
 * → logit [N, 1] → Sigmoid → score [N, 1]}, both outputs (the log-odds rank accounts whose float
 * scores round to 1: {@link MlpModel#logit}), opset 13, weights as float initializers. The protobuf
 * is written directly (the ONNX schema's field numbers, no protobuf runtime), deterministically:
 * the same model gives the same bytes.
 *
 * <p>Thread-safe: stateless.
 */
public final class ProbeModelOnnx {
  /** Name of the input tensor. */
  public static final String INPUT = "features";

  /** Name of the output tensor. */
  public static final String OUTPUT = "score";

  /** Name of the log-odds output, the sigmoid's input (exports before 2026-12-02 lack it). */
  public static final String LOGIT = "logit";

  private static final int FLOAT = 1;

  private ProbeModelOnnx() {}

  /** The ONNX model computing the same function as {@code model}. */
  public static byte[] export(MlpModel model) {
    float[][] w = model.weights();
    int inputs = Features.COUNT;
    int hidden = model.hidden();
    float[] w1t = new float[inputs * hidden]; // [inputs, hidden] for features × W1ᵀ
    for (int j = 0; j < hidden; j++) {
      for (int i = 0; i < inputs; i++) {
        w1t[i * hidden + j] = w[0][j * inputs + i];
      }
    }
    Proto graph = new Proto();
    graph.message(1, node("MatMul", "l1_matmul", new String[] {INPUT, "w1"}, "h0"));
    graph.message(1, node("Add", "l1_bias", new String[] {"h0", "b1"}, "h1"));
    graph.message(1, node("Relu", "l1_relu", new String[] {"h1"}, "h2"));
    graph.message(1, node("MatMul", "l2_matmul", new String[] {"h2", "w2"}, "o0"));
    graph.message(1, node("Add", "l2_bias", new String[] {"o0", "b2"}, LOGIT));
    graph.message(1, node("Sigmoid", "out_sigmoid", new String[] {LOGIT}, OUTPUT));
    graph.string(2, "moat-probe-mlp");
    graph.message(5, tensor("w1", new long[] {inputs, hidden}, w1t));
    graph.message(5, tensor("b1", new long[] {hidden}, w[1]));
    graph.message(5, tensor("w2", new long[] {hidden, 1}, w[2]));
    graph.message(5, tensor("b2", new long[] {1}, w[3]));
    graph.message(11, valueInfo(INPUT, inputs));
    graph.message(12, valueInfo(OUTPUT, 1));
    graph.message(12, valueInfo(LOGIT, 1));

    Proto opset = new Proto();
    opset.string(1, "");
    opset.varint(2, 13);

    Proto m = new Proto();
    m.varint(1, 7); // IR version 7 (ONNX 1.8+)
    m.string(2, "moat");
    m.string(3, MlpModel.FORMAT);
    m.message(7, graph);
    m.message(8, opset);
    return m.bytes();
  }

  private static Proto node(String op, String name, String[] inputs, String output) {
    Proto n = new Proto();
    for (String in : inputs) {
      n.string(1, in);
    }
    n.string(2, output);
    n.string(3, name);
    n.string(4, op);
    return n;
  }

  private static Proto tensor(String name, long[] dims, float[] values) {
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(1, d);
    }
    t.varint(2, FLOAT);
    Proto packed = new Proto();
    for (float v : values) {
      packed.fixed32(Float.floatToRawIntBits(v));
    }
    t.bytesField(4, packed.bytes());
    t.string(8, name);
    return t;
  }

  /** A float tensor of shape [N, width]. */
  private static Proto valueInfo(String name, int width) {
    Proto rows = new Proto();
    rows.string(2, "N");
    Proto cols = new Proto();
    cols.varint(1, width);
    Proto shape = new Proto();
    shape.message(1, rows);
    shape.message(1, cols);
    Proto tensorType = new Proto();
    tensorType.varint(1, FLOAT);
    tensorType.message(2, shape);
    Proto type = new Proto();
    type.message(1, tensorType);
    Proto v = new Proto();
    v.string(1, name);
    v.message(2, type);
    return v;
  }

  /** The protobuf wire format, the parts ONNX needs. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void varint(int field, long value) {
      raw((long) field << 3);
      raw(value);
    }

    void string(int field, String s) {
      bytesField(field, s.getBytes(StandardCharsets.UTF_8));
    }

    void message(int field, Proto p) {
      bytesField(field, p.bytes());
    }

    void bytesField(int field, byte[] b) {
      raw(((long) field << 3) | 2);
      raw(b.length);
      out.writeBytes(b);
    }

    void fixed32(int bits) {
      out.write(bits);
      out.write(bits >>> 8);
      out.write(bits >>> 16);
      out.write(bits >>> 24);
    }

    private void raw(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
