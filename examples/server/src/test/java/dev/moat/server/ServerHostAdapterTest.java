package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.moat.spi.SamplingParams;
import org.junit.jupiter.api.Test;

/**
 * The model server's loop without batching (each generation's steps on the worker pool, one model
 * call per step) passes the host-adapter compatibility kit.
 */
class ServerHostAdapterTest extends ServerLoopKit {
  @Override
  int maxBatch() {
    return 1;
  }

  /**
   * This is the per-request loop: no decode loop runs, every step is one model call, and a
   * generation stops at {@code max_tokens}.
   */
  @Test
  void eachStepIsOneModelCallOfItsOwn() throws Exception {
    assertNull(server().decodeLoop(), "no decode loop at max batch 1");
    long before = server().metrics().modelCalls();
    int[] out = generatePlain(prompt(), SamplingParams.greedy(12));
    long calls = server().metrics().modelCalls() - before;
    assertEquals(12, out.length);
    assertEquals(12, calls, "the prompt's call and one per token fed back, not one per batch");
  }
}
