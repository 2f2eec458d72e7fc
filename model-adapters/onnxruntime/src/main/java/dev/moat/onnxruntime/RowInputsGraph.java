package dev.moat.onnxruntime;

import dev.moat.onnxruntime.Protobuf.Field;
import dev.moat.onnxruntime.Protobuf.Writer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Rewrites Moat's bundled export ({@link ModelConfig}'s layout) into a graph that decodes several
 * sequences of different lengths in one call: it adds the inputs {@code attention_mask} {@code
 * [batch, past + seq]} (1 for a real position, 0 for padding) and {@code position_ids} {@code
 * [batch, seq]}, the two inputs the Hugging Face layout has for the same purpose. The exported
 * graph derives both from tensor shapes (a token's position is the past length plus its index;
 * every cached position is attended), so rows of one call would all share one length.
 *
 * <p>The rewrite, on the ONNX protobuf as it is (no dependency on ONNX's generated classes; fields
 * not named here are copied byte for byte):
 *
 * <ol>
 *   <li>the position embedding's {@code Gather(wpe.weight, positions)} reads {@code position_ids};
 *       the {@code Unsqueeze} that broadcast its {@code [seq, d]} result over the batch becomes an
 *       {@code Identity}, the result being {@code [batch, seq, d]} already;
 *   <li>the causal mask {@code LessOrEqual(key_column, past + query_index)} {@code [seq, past +
 *       seq]}, read by the attention's {@code Not}, is and-ed with {@code attention_mask} as {@code
 *       [batch, 1, 1, past + seq]} first, so a padded column gets the same {@code -inf} score as a
 *       future one.
 * </ol>
 *
 * <p>With {@code attention_mask} all ones and {@code position_ids} {@code past, past + 1, ...} the
 * rewritten graph computes exactly what the original does (the and with true is the identity; the
 * positions are the same integers), so one sequence's logits are bit-identical. Left padding costs
 * nothing but the padded columns' arithmetic: their attention weight is {@code exp(-inf) = 0}.
 *
 * <p>Stateless and thread-safe.
 */
final class RowInputsGraph {
  private RowInputsGraph() {}

  // ONNX protobuf field numbers (onnx.proto).
  private static final int MODEL_GRAPH = 7;
  private static final int GRAPH_NODE = 1;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int GRAPH_INPUT = 11;
  private static final int NODE_INPUT = 1;
  private static final int NODE_OUTPUT = 2;
  private static final int NODE_NAME = 3;
  private static final int NODE_OP_TYPE = 4;
  private static final int NODE_ATTRIBUTE = 5;
  private static final int TENSOR_INT64 = 7;
  private static final int TENSOR_BOOL = 9;

  static final String ATTENTION_MASK = "attention_mask";
  static final String POSITION_IDS = "position_ids";
  private static final String PREFIX = "/moat_row_inputs/";

  /**
   * The rewritten model.
   *
   * @throws IOException the graph is not the bundled export's shape (the message says what is
   *     missing)
   */
  static byte[] rewrite(byte[] model) throws IOException {
    List<Field> top = Field.parse(model, 0, model.length);
    Field graphField = null;
    for (Field f : top) {
      if (f.number() == MODEL_GRAPH) {
        graphField = f;
      }
    }
    if (graphField == null) {
      throw new IOException("the ONNX model has no graph");
    }
    List<Field> graph = Field.parse(model, graphField.start(), graphField.end());
    List<Node> nodes = new ArrayList<>();
    for (Field f : graph) {
      if (f.number() == GRAPH_NODE) {
        nodes.add(Node.parse(model, f));
      }
      if (f.number() == GRAPH_INPUT) {
        String name = name(model, f);
        if (name.equals(ATTENTION_MASK) || name.equals(POSITION_IDS)) {
          throw new IOException("the graph already has an input '" + name + "'");
        }
      }
    }
    Node wpe = single(nodes, n -> n.op.equals("Gather") && n.in(0).equals("wpe.weight"), "Gather");
    String wpeOut = wpe.out(0);
    Node broadcast =
        single(
            nodes,
            n -> n.op.equals("Unsqueeze") && n.inputs.contains(wpeOut),
            "Unsqueeze of the position embedding");
    Node causal = single(nodes, n -> n.op.equals("LessOrEqual"), "LessOrEqual (the causal mask)");
    String causalOut = causal.out(0);
    List<Node> readers = new ArrayList<>();
    for (Node n : nodes) {
      if (n.inputs.contains(causalOut)) {
        if (!n.op.equals("Not")) {
          throw new IOException(
              "the causal mask is read by a " + n.op + " node; only Not readers are rewritten");
        }
        readers.add(n);
      }
    }
    if (readers.isEmpty()) {
      throw new IOException("the causal mask is not read by any node");
    }

    wpe.inputs.set(1, POSITION_IDS);
    broadcast.op = "Identity";
    broadcast.inputs.subList(1, broadcast.inputs.size()).clear();
    String attend = PREFIX + "attend";
    for (Node n : readers) {
      n.inputs.replaceAll(s -> s.equals(causalOut) ? attend : s);
    }
    String maskBool = PREFIX + "mask_bool";
    String axes = PREFIX + "axes_1_2";
    String mask4d = PREFIX + "mask_4d";
    List<byte[]> added =
        List.of(
            node(
                PREFIX + "Cast",
                "Cast",
                List.of(ATTENTION_MASK),
                List.of(maskBool),
                intAttribute("to", TENSOR_BOOL)),
            node(PREFIX + "Unsqueeze", "Unsqueeze", List.of(maskBool, axes), List.of(mask4d), null),
            node(PREFIX + "And", "And", List.of(causalOut, mask4d), List.of(attend), null));

    Writer g = new Writer();
    int next = 0;
    for (Field f : graph) {
      if (f.number() == GRAPH_NODE) {
        Node n = nodes.get(next++); // nodes were parsed in the graph's order
        g.bytes(GRAPH_NODE, n.changed() ? n.encode(model) : f.value(model));
        if (n == causal) {
          for (byte[] a : added) {
            g.bytes(GRAPH_NODE, a); // right after the mask, before its readers (topological order)
          }
        }
      } else {
        g.raw(model, f);
      }
    }
    g.bytes(GRAPH_INITIALIZER, int64Tensor(axes, new long[] {1, 2}));
    g.bytes(GRAPH_INPUT, int64Input(ATTENTION_MASK, "batch", "total_seq"));
    g.bytes(GRAPH_INPUT, int64Input(POSITION_IDS, "batch", "seq"));
    Writer m = new Writer();
    for (Field f : top) {
      if (f.number() == MODEL_GRAPH) {
        m.bytes(MODEL_GRAPH, g.toByteArray());
      } else {
        m.raw(model, f);
      }
    }
    return m.toByteArray();
  }

  private static Node single(List<Node> nodes, java.util.function.Predicate<Node> p, String what)
      throws IOException {
    Node found = null;
    for (Node n : nodes) {
      if (p.test(n)) {
        if (found != null) {
          throw new IOException(
              "the graph has more than one " + what + " node; it is not the bundled export");
        }
        found = n;
      }
    }
    if (found == null) {
      throw new IOException("the graph has no " + what + " node; it is not the bundled export");
    }
    return found;
  }

  private static String name(byte[] b, Field valueInfo) throws IOException {
    for (Field f : Field.parse(b, valueInfo.start(), valueInfo.end())) {
      if (f.number() == 1) {
        return f.string(b);
      }
    }
    return "";
  }

  private static byte[] node(
      String name, String op, List<String> in, List<String> out, byte @Nullable [] attribute) {
    Writer w = new Writer();
    for (String s : in) {
      w.string(NODE_INPUT, s);
    }
    for (String s : out) {
      w.string(NODE_OUTPUT, s);
    }
    w.string(NODE_NAME, name);
    w.string(NODE_OP_TYPE, op);
    if (attribute != null) {
      w.bytes(NODE_ATTRIBUTE, attribute);
    }
    return w.toByteArray();
  }

  /** AttributeProto {name, i, type = INT}. */
  private static byte[] intAttribute(String name, long value) {
    Writer w = new Writer();
    w.string(1, name);
    w.varintField(3, value);
    w.varintField(20, 2);
    return w.toByteArray();
  }

  /** TensorProto {dims, data_type = INT64, int64_data (packed), name}. */
  private static byte[] int64Tensor(String name, long[] values) {
    Writer w = new Writer();
    w.varintField(1, values.length);
    w.varintField(2, TENSOR_INT64);
    Writer packed = new Writer();
    for (long v : values) {
      packed.varint(v);
    }
    w.bytes(7, packed.toByteArray());
    w.string(8, name);
    return w.toByteArray();
  }

  /** ValueInfoProto {name, type: tensor_type {elem_type INT64, shape [d0, d1]}} (named dims). */
  private static byte[] int64Input(String name, String d0, String d1) {
    Writer shape = new Writer();
    for (String d : new String[] {d0, d1}) {
      Writer dim = new Writer();
      dim.string(2, d);
      shape.bytes(1, dim.toByteArray());
    }
    Writer tensor = new Writer();
    tensor.varintField(1, TENSOR_INT64);
    tensor.bytes(2, shape.toByteArray());
    Writer type = new Writer();
    type.bytes(1, tensor.toByteArray());
    Writer w = new Writer();
    w.string(1, name);
    w.bytes(2, type.toByteArray());
    return w.toByteArray();
  }

  /** A NodeProto: inputs, outputs and op type parsed; every other field kept as bytes. */
  private static final class Node {
    final List<String> inputs = new ArrayList<>();
    final List<String> outputs = new ArrayList<>();
    final List<Field> others = new ArrayList<>();
    String op = "";
    private final String parsedOp;
    private final List<String> parsedInputs;

    private Node(Field field, byte[] b) throws IOException {
      for (Field f : Field.parse(b, field.start(), field.end())) {
        switch (f.number()) {
          case NODE_INPUT -> inputs.add(f.string(b));
          case NODE_OUTPUT -> outputs.add(f.string(b));
          case NODE_OP_TYPE -> op = f.string(b);
          default -> others.add(f);
        }
      }
      this.parsedOp = op;
      this.parsedInputs = List.copyOf(inputs);
    }

    static Node parse(byte[] b, Field f) throws IOException {
      return new Node(f, b);
    }

    String in(int i) {
      return i < inputs.size() ? inputs.get(i) : "";
    }

    String out(int i) {
      return i < outputs.size() ? outputs.get(i) : "";
    }

    boolean changed() {
      return !op.equals(parsedOp) || !inputs.equals(parsedInputs);
    }

    /** Re-encoded: inputs, outputs, op type, then the other fields as they were. */
    byte[] encode(byte[] b) {
      Writer w = new Writer();
      for (String s : inputs) {
        w.string(NODE_INPUT, s);
      }
      for (String s : outputs) {
        w.string(NODE_OUTPUT, s);
      }
      w.string(NODE_OP_TYPE, op);
      for (Field f : others) {
        if (op.equals("Identity") && f.number() == NODE_ATTRIBUTE) {
          continue; // an Identity has no attributes (the Unsqueeze it replaces may have had axes)
        }
        w.raw(b, f);
      }
      return w.toByteArray();
    }
  }
}
