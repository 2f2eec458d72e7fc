package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.onnxruntime.DeviceUnavailableException;
import dev.moat.onnxruntime.ExecutionDevice;
import dev.moat.onnxruntime.hf.ModelDirectoryException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose model cannot load (a broken directory, a device this build cannot use) fails its
 * start with the loader's error and leaves nothing running: the model loads before the policy's
 * reload thread or any other part starts. (Before, the policy's {@code moat-policy-reload} thread
 * was started first and left running by every failed start.)
 */
class FailedStartTest {
  @TempDir Path dir;

  @Test
  void aModelThatCannotLoadLeavesNoThreadBehind() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, ServerFixture.POLICY);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, ServerFixture.KEYS);
    Path broken = Files.createDirectories(dir.resolve("broken-model"));
    Files.writeString(broken.resolve("config.json"), "{}");
    long before = reloadThreads();
    var bad =
        assertThrows(
            ModelDirectoryException.class,
            () ->
                ModelServer.start(
                    ModelServer.Options.builder(
                            policy, keys, ServerFixture.watermarkKeys(), "sk-test-admin")
                        .model(broken, null)
                        .build()));
    assertTrue(bad.getMessage().contains("config.json"), bad.getMessage());
    if (!ai.onnxruntime.OrtEnvironment.getAvailableProviders()
        .contains(ai.onnxruntime.OrtProvider.CUDA)) {
      var gpu =
          assertThrows(
              DeviceUnavailableException.class,
              () ->
                  ModelServer.start(
                      ModelServer.Options.builder(
                              policy, keys, ServerFixture.watermarkKeys(), "sk-test-admin")
                          .device(ExecutionDevice.cuda(0))
                          .build()));
      assertTrue(gpu.getMessage().startsWith("device was 'cuda:0'"), gpu.getMessage());
    }
    assertEquals(before, reloadThreads(), "policy reload threads left by the failed starts");
  }

  private static long reloadThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals("moat-policy-reload"))
        .count();
  }
}
