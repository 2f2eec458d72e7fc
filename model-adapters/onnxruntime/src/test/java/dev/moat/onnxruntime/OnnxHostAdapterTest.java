package dev.moat.onnxruntime;

import dev.moat.MoatRequest;
import dev.moat.spi.SamplingParams;
import dev.moat.testkit.HostAdapterCompatibilityKit;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ONNX Runtime host loop passes the compatibility kit on the bundled model. */
class OnnxHostAdapterTest extends HostAdapterCompatibilityKit {
  static OnnxCausalLm model;
  static OnnxGenerator generator;

  @BeforeAll
  static void load() throws Exception {
    model = OnnxCausalLm.bundled(1);
    generator = new OnnxGenerator(model);
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  @Override
  protected int vocabSize() {
    return model.config().vocabSize();
  }

  @Override
  protected int[] prompt() {
    return new int[] {model.config().bosTokenId(), 796, 693, 2047};
  }

  @Override
  protected int[] generate(MoatRequest request, IntConsumer streamed) throws Exception {
    return generator.generate(request.context().promptTokens(), request, streamed::accept).tokens();
  }

  @Override
  protected int[] generatePlain(int[] prompt, SamplingParams params) throws Exception {
    return generator.generate(prompt, params, TokenSink.NONE).tokens();
  }

  @org.junit.jupiter.api.Test
  void theKitRunsOnTheBundledModelsVocabularyAndPrompt() {
    org.junit.jupiter.api.Assertions.assertEquals(4096, vocabSize());
    for (int t : prompt()) {
      org.junit.jupiter.api.Assertions.assertTrue(t >= 0 && t < vocabSize(), "prompt token " + t);
    }
  }
}
