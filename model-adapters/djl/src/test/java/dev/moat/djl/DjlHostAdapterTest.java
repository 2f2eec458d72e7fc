package dev.moat.djl;

import ai.djl.inference.Predictor;
import ai.djl.modality.nlp.generate.CausalLMOutput;
import ai.djl.ndarray.NDList;
import dev.moat.Moat;
import dev.moat.MoatRequest;
import dev.moat.RequestContext;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.testkit.HostAdapterCompatibilityKit;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The DJL host loop passes the compatibility kit on the bundled model. Its "plain" path is the same
 * generator under a Moat whose only tier applies nothing: DJL itself has no sampling loop to
 * compare with.
 */
class DjlHostAdapterTest extends HostAdapterCompatibilityKit {
  static BundledDjlModel djl;
  static Predictor<NDList, CausalLMOutput> predictor;
  static Moat nothing;

  @BeforeAll
  static void load() throws Exception {
    djl = BundledDjlModel.load();
    predictor = djl.model().newPredictor();
    nothing = Moat.builder().policy(Policy.of("plain", TierPolicy.unprotected("plain"))).build();
  }

  @AfterAll
  static void close() {
    predictor.close();
    djl.close();
    nothing.close();
  }

  @Override
  protected int vocabSize() {
    return djl.vocabSize();
  }

  @Override
  protected int[] prompt() {
    return new int[] {0, 796, 693, 2047};
  }

  @Override
  protected int[] generate(MoatRequest request, IntConsumer streamed) throws Exception {
    return new MoatTextGenerator(predictor, djl.searchConfig(), nothing, djl.layout())
        .generate(request.context().promptTokens(), request, streamed);
  }

  @Override
  protected int[] generatePlain(int[] prompt, SamplingParams params) throws Exception {
    RequestContext plain =
        RequestContext.builder()
            .account("plain")
            .tier("plain")
            .vocabSize(vocabSize())
            .prompt("", prompt)
            .sampling(params)
            .build();
    return new MoatTextGenerator(predictor, djl.searchConfig(), nothing, djl.layout())
        .generate(prompt, plain, t -> {});
  }

  @org.junit.jupiter.api.Test
  void theKitRunsOnTheBundledModelsVocabularyAndPrompt() {
    org.junit.jupiter.api.Assertions.assertEquals(4096, vocabSize());
    for (int t : prompt()) {
      org.junit.jupiter.api.Assertions.assertTrue(t >= 0 && t < vocabSize(), "prompt token " + t);
    }
  }
}
