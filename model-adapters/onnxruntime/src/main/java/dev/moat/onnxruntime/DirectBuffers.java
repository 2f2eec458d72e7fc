package dev.moat.onnxruntime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;

/**
 * Direct, native-order buffers for {@link BatchDecoder}'s tensors: allocation, growth and the views
 * that a tensor of the first {@code n} elements wraps.
 *
 * <p>Stateless and thread-safe (the buffers themselves are not).
 */
final class DirectBuffers {
  private DirectBuffers() {}

  static ByteBuffer direct(long bytes) {
    return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
  }

  /** {@code b} if it holds {@code bytes}, else a larger buffer (contents not kept). */
  static ByteBuffer ensure(ByteBuffer b, long bytes) {
    if (b.capacity() >= bytes) {
      return b;
    }
    return direct(Math.max(bytes, Math.min(Integer.MAX_VALUE, 2L * b.capacity())));
  }

  static LongBuffer directLongs(long n) {
    return direct(n * 8).asLongBuffer();
  }

  static LongBuffer ensureLongs(LongBuffer b, long n) {
    return b.capacity() >= n ? b : directLongs(Math.max(n, 2L * b.capacity()));
  }

  static ByteBuffer slice(ByteBuffer b, long bytes) {
    return b.duplicate()
        .order(ByteOrder.nativeOrder())
        .position(0)
        .limit(Math.toIntExact(bytes))
        .slice()
        .order(ByteOrder.nativeOrder());
  }

  static LongBuffer slice(LongBuffer b, long n) {
    return b.duplicate().position(0).limit(Math.toIntExact(n)).slice();
  }
}
