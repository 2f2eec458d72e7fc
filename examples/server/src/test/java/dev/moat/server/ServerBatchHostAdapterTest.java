package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The model server's continuous-batching loop ({@link DecodeLoop}: one model call and one Moat pass
 * per step over every ready generation) passes the host-adapter compatibility kit, and a row whose
 * protection fails ends alone.
 */
class ServerBatchHostAdapterTest extends ServerLoopKit {
  @Override
  int maxBatch() {
    return 4;
  }

  @Test
  void theServerBatches() {
    assertNotNull(server().decodeLoop(), "a decode loop at max batch 4");
  }

  /**
   * Two generations decode in the same steps; one's protection throws at its eleventh step. That
   * generation ends as an error; the other finishes with exactly the tokens it has alone. (Before,
   * the batch step's exception failed every generation in the batch.)
   */
  @Test
  void aRowWhoseProtectionFailsEndsAloneAndTheOthersGoOn() throws Exception {
    Recorder failing = new Recorder(0, 10);
    try (Moat moat = moat(failing)) {
      SamplingParams healthyParams =
          SamplingParams.builder().temperature(0.9f).seed(21).maxTokens(60).build();
      int[] alone = generate(moat, request("internal", prompt(), healthyParams), t -> {});
      assertTrue(alone.length > 15, "the healthy generation outlives the failing one");

      MoatRequest healthy = start(moat, request("internal", prompt(), healthyParams));
      MoatRequest doomed =
          start(moat, request("instrumented", prompt(), SamplingParams.greedy(60)));
      CompletableFuture<int[]> a =
          start(healthy, null, prompt(), healthyParams.maxTokens(), t -> {});
      CompletableFuture<int[]> b = start(doomed, null, prompt(), 60, t -> {});
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> await(b));
      assertTrue(
          String.valueOf(e.getMessage()).contains("recorder fails at step 10"), e.toString());
      assertArrayEquals(alone, await(a));
      assertEquals(List.of(FinishReason.ERROR), failing.finishes);
    }
  }
}
