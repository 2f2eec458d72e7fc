package dev.moat.onnxruntime;

import java.io.IOException;

/**
 * The {@link ExecutionDevice} asked for cannot run a model here: this build's ONNX Runtime lacks
 * its execution provider, or the provider did not start. The message names the device and what it
 * needs. Thrown at load, before any request is served.
 *
 * <p>Immutable once thrown; safe to pass between threads.
 */
public final class DeviceUnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(String message) {
    super(message);
  }

  public DeviceUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
