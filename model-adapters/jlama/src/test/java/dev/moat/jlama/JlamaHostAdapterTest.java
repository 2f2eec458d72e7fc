package dev.moat.jlama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.MoatRequest;
import dev.moat.onnxruntime.KvGenerator;
import dev.moat.spi.FinishReason;
import dev.moat.spi.SamplingParams;
import dev.moat.testkit.HostAdapterCompatibilityKit;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Jlama host loop passes the compatibility kit on the tiny Llama safetensors checkpoint. */
class JlamaHostAdapterTest extends HostAdapterCompatibilityKit {
  static JlamaCausalLm model;
  static KvGenerator generator;

  @BeforeAll
  static void load() throws Exception {
    model = JlamaCausalLm.load(JlamaReferenceTest.fixture("tiny-llama-st"));
    generator = model.generator();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Override
  protected int vocabSize() {
    return model.vocabSize();
  }

  @Override
  protected int[] prompt() {
    return new int[] {model.bosTokenId(), 796, 693, 2047};
  }

  @Override
  protected int[] generate(MoatRequest request, IntConsumer streamed) throws Exception {
    return generator.generate(request.context().promptTokens(), request, streamed::accept).tokens();
  }

  @Override
  protected int[] generatePlain(int[] prompt, SamplingParams params) throws Exception {
    return generator.generate(prompt, params, t -> {}).tokens();
  }

  /**
   * The kit runs on the checkpoint's own shape, and the loop stops at the end of the positions
   * Jlama can decode, not {@code max_tokens} (greedy on this fixture never reaches its
   * end-of-sequence token). Jlama 0.8.4 reads its rotary table past its end in the last 2 of the
   * fixture's 256 positions: decoding there threw ArrayIndexOutOfBoundsException before the cap.
   */
  @Test
  void theKitRunsOnTheCheckpointAndTheLoopStopsAtTheContextsEnd() throws Exception {
    assertEquals(4096, vocabSize());
    assertEquals(254, model.maxPositions(), "256 less Jlama's 2 unreadable positions (2 KV heads)");
    int[] prompt = prompt();
    var r = generator.generate(prompt, SamplingParams.greedy(1000), t -> {});
    assertEquals(FinishReason.LENGTH, r.finishReason());
    // The last token is predicted from all 254 positions and never fed back.
    assertEquals(254 - prompt.length + 1, r.tokens().length, "one per position left, plus one");
    for (int t : r.tokens()) {
      assertTrue(t >= 0 && t < 4096 && !model.isEos(t), "token " + t);
    }
  }
}
