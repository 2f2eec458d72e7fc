package dev.moat.onnxruntime;

/** Receives generated tokens as they are emitted (streaming). Called on the generating thread. */
@FunctionalInterface
public interface TokenSink {
  /** A sink that drops everything. */
  TokenSink NONE = token -> {};

  void onToken(int token);
}
