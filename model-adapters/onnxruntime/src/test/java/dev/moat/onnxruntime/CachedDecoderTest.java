package dev.moat.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The call order and input checks every decoder shares, on the bundled model. */
class CachedDecoderTest {
  @Test
  void badCallsAndTokensAreRefusedBeforeTheModelRunsAndLeaveTheCacheAsItWas() throws Exception {
    try (OnnxCausalLm lm = OnnxCausalLm.bundled(1);
        OnnxCausalLm.Decoder d = lm.newDecoder()) {
      IllegalStateException order = assertThrows(IllegalStateException.class, () -> d.next(5));
      assertEquals("call prefill before next", order.getMessage());
      IllegalArgumentException empty =
          assertThrows(IllegalArgumentException.class, () -> d.prefill(new int[0]));
      assertEquals(
          "`prompt` was empty but it must have at least one token (e.g. bos)", empty.getMessage());
      IllegalArgumentException id =
          assertThrows(IllegalArgumentException.class, () -> d.prefill(new int[] {1, 4096}));
      assertEquals("`input_ids[1]` was '4096' but it must be in [0, 4096)", id.getMessage());
      assertEquals(0, d.position());
      float[] first = d.prefill(new int[] {1, 2, 3}).clone();
      assertEquals(3, d.position());
      assertEquals(4096, first.length);
      assertThrows(IllegalArgumentException.class, () -> d.next(-1));
      assertEquals(3, d.position(), "a refused token does not move the cache");
      assertThrows(IllegalStateException.class, () -> d.prefill(new int[] {1}));
      d.next(7);
      assertEquals(4, d.position());
    }
  }
}
