package dev.moat.jlama;

import dev.moat.MoatRequest;
import dev.moat.spi.SamplingParams;
import dev.moat.testkit.HostAdapterCompatibilityKit;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Jlama host loop passes the compatibility kit on the tiny Llama safetensors checkpoint. */
class JlamaHostAdapterTest extends HostAdapterCompatibilityKit {
  static JlamaCausalLm model;
  static JlamaGenerator generator;

  @BeforeAll
  static void load() throws Exception {
    model = JlamaCausalLm.load(JlamaReferenceTest.fixture("tiny-llama-st"));
    generator = new JlamaGenerator(model);
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
  protected int[] generate(MoatRequest request, IntConsumer streamed) {
    return generator.generate(request.context().promptTokens(), request, streamed).tokens();
  }

  @Override
  protected int[] generatePlain(int[] prompt, SamplingParams params) {
    return generator.generate(prompt, params, t -> {}).tokens();
  }
}
