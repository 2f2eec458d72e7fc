package dev.moat.spi;

/** Why generation stopped, as the host reports it to {@code MoatRequest.finish}. */
public enum FinishReason {
  /** The model produced an end-of-sequence token or a stop sequence matched. */
  STOP,
  /** {@code maxTokens} or the model's context was reached. */
  LENGTH,
  /** The client went away or the host cancelled the request. */
  CANCELLED,
  /** The host or a protection failed. */
  ERROR
}
