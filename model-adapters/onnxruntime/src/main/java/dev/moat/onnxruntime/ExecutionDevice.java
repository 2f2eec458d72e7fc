package dev.moat.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.EnumSet;
import java.util.Locale;

/**
 * Where ONNX Runtime runs a model: the CPU (the default), or one CUDA GPU through ONNX Runtime's
 * CUDA execution provider ({@code ./moat serve --device cuda[:N]}).
 *
 * <p>The CUDA provider is not in the default build: Maven Central's {@code onnxruntime} jar has the
 * CPU provider only. Build with {@code -Pgpu}, which takes {@code onnxruntime_gpu} (the same
 * version, linux-x64 and win-x64 only, about 450 MB) instead, and run where CUDA 12's runtime,
 * cuBLAS and cuDNN 9 are on the library path. A device that cannot start fails the load with a
 * {@link DeviceUnavailableException} naming the device and what it needs: nothing falls back to the
 * CPU behind the operator's back (fail-closed: a server asked for a GPU does not start on the CPU
 * at a fraction of the throughput it was sized for).
 *
 * <p>What a GPU gains here is limited: ONNX Runtime's Java API has no IO binding, so the KV cache
 * crosses between host and device memory at every step (see the module's README). Nodes the CUDA
 * provider cannot run stay on the CPU provider, as ONNX Runtime assigns them.
 *
 * <p>Immutable and thread-safe.
 */
public final class ExecutionDevice {
  /** The CPU: ONNX Runtime's default provider, always present. */
  public static final ExecutionDevice CPU = new ExecutionDevice(-1);

  /** The largest CUDA device index accepted (CUDA numbers a host's devices from 0). */
  public static final int MAX_CUDA_DEVICE = 255;

  /** What a CUDA device needs, for error messages. */
  static final String CUDA_NEEDS =
      "a build with -Pgpu (Maven Central's onnxruntime_gpu, linux-x64 and win-x64) and CUDA 12's"
          + " runtime, cuBLAS and cuDNN 9 on the library path (LD_LIBRARY_PATH)";

  private final int cudaDevice;

  private ExecutionDevice(int cudaDevice) {
    this.cudaDevice = cudaDevice;
  }

  /**
   * CUDA device {@code deviceId}.
   *
   * @throws IllegalArgumentException {@code deviceId} is not within 0 to {@value #MAX_CUDA_DEVICE}
   */
  public static ExecutionDevice cuda(int deviceId) {
    if (deviceId < 0 || deviceId > MAX_CUDA_DEVICE) {
      throw new IllegalArgumentException(
          "CUDA device was '"
              + deviceId
              + "' but it must be an index from 0 to "
              + MAX_CUDA_DEVICE);
    }
    return new ExecutionDevice(deviceId);
  }

  /**
   * {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}.
   *
   * @throws IllegalArgumentException anything else; the message names the value and what is allowed
   */
  public static ExecutionDevice parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.equals("cpu")) {
      return CPU;
    }
    if (t.equals("cuda")) {
      return cuda(0);
    }
    if (t.startsWith("cuda:") && t.length() > 5 && t.length() <= 8) {
      String n = t.substring(5);
      boolean digits = true;
      for (int i = 0; i < n.length(); i++) {
        digits &= n.charAt(i) >= '0' && n.charAt(i) <= '9';
      }
      if (digits && Integer.parseInt(n) <= MAX_CUDA_DEVICE) {
        return cuda(Integer.parseInt(n));
      }
    }
    throw new IllegalArgumentException(
        "device was '"
            + text
            + "' but it must be cpu, cuda or cuda:N with N from 0 to "
            + MAX_CUDA_DEVICE);
  }

  /** Whether this is a CUDA device. */
  public boolean isCuda() {
    return cudaDevice >= 0;
  }

  /** The CUDA device index; -1 for the CPU. */
  public int cudaDeviceId() {
    return cudaDevice;
  }

  /**
   * Adds this device's execution provider to {@code options} (the CPU adds nothing: it is ONNX
   * Runtime's default).
   *
   * @throws DeviceUnavailableException this build's ONNX Runtime has no CUDA provider, or the
   *     provider did not start (its libraries, or the device, missing); the message says which and
   *     what the device needs
   */
  public void applyTo(OrtSession.SessionOptions options) throws DeviceUnavailableException {
    if (!isCuda()) {
      return;
    }
    EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
    if (!providers.contains(OrtProvider.CUDA)) {
      throw new DeviceUnavailableException(
          "device was '"
              + this
              + "' but this build's ONNX Runtime has no CUDA execution provider (it has "
              + providers
              + "); a CUDA device needs "
              + CUDA_NEEDS);
    }
    try {
      options.addCUDA(cudaDevice);
    } catch (OrtException | RuntimeException e) {
      throw new DeviceUnavailableException(
          "device was '"
              + this
              + "' but ONNX Runtime's CUDA execution provider did not start: "
              + e.getMessage()
              + "; a CUDA device needs "
              + CUDA_NEEDS
              + ", and a GPU with that index",
          e);
    }
  }

  /** {@code cpu} or {@code cuda:N}: what {@link #parse} reads back. */
  @Override
  public String toString() {
    return isCuda() ? "cuda:" + cudaDevice : "cpu";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExecutionDevice d && d.cudaDevice == cudaDevice;
  }

  @Override
  public int hashCode() {
    return cudaDevice;
  }
}
