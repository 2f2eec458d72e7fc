package dev.moat.onnxruntime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The protobuf wire format, as much of it as {@link RowInputsGraph} needs to read and rewrite an
 * ONNX model without ONNX's generated classes: {@link Field} locates one field of a message in the
 * encoded bytes, {@link Writer} appends fields to a new message.
 *
 * <p>Stateless and thread-safe; a {@link Writer} is not thread-safe (one thread builds a message).
 */
final class Protobuf {
  private Protobuf() {}

  /**
   * One protobuf field of a message: its number, wire type and where its value lies ({@code [start,
   * end)}; for a varint or fixed field the value's bytes, for a length-delimited one its payload),
   * and {@code [tagStart, end)} for the whole field. Immutable.
   */
  record Field(int number, int wire, int tagStart, int start, int end) {
    static List<Field> parse(byte[] b, int from, int to) throws IOException {
      List<Field> out = new ArrayList<>();
      int[] p = {from};
      while (p[0] < to) {
        int tagStart = p[0];
        long tag = varint(b, p, to);
        int number = (int) (tag >>> 3);
        int wire = (int) (tag & 7);
        int start;
        int end;
        switch (wire) {
          case 0 -> {
            start = p[0];
            varint(b, p, to);
            end = p[0];
          }
          case 1 -> {
            start = p[0];
            end = start + 8;
          }
          case 2 -> {
            long len = varint(b, p, to);
            start = p[0];
            if (len < 0 || start + len > to) {
              throw new IOException("the ONNX model is truncated (field " + number + ")");
            }
            end = (int) (start + len);
          }
          case 5 -> {
            start = p[0];
            end = start + 4;
          }
          default ->
              throw new IOException("the ONNX model has an unsupported protobuf wire type " + wire);
        }
        if (end > to) {
          throw new IOException("the ONNX model is truncated (field " + number + ")");
        }
        p[0] = end;
        out.add(new Field(number, wire, tagStart, start, end));
      }
      return out;
    }

    String string(byte[] b) {
      return new String(b, start, end - start, StandardCharsets.UTF_8);
    }

    byte[] value(byte[] b) {
      return java.util.Arrays.copyOfRange(b, start, end);
    }

    private static long varint(byte[] b, int[] p, int to) throws IOException {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (p[0] >= to) {
          throw new IOException("the ONNX model is truncated (a varint)");
        }
        byte x = b[p[0]++];
        v |= (long) (x & 0x7F) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw new IOException("the ONNX model has a malformed varint");
    }
  }

  /** Protobuf output: fields appended in order. Not thread-safe: one thread builds a message. */
  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    void varintField(int number, long v) {
      varint((long) number << 3);
      varint(v);
    }

    void bytes(int number, byte[] v) {
      varint(((long) number << 3) | 2);
      varint(v.length);
      out.write(v, 0, v.length);
    }

    void string(int number, String s) {
      bytes(number, s.getBytes(StandardCharsets.UTF_8));
    }

    void raw(byte[] b, Field f) {
      out.write(b, f.tagStart, f.end - f.tagStart);
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
