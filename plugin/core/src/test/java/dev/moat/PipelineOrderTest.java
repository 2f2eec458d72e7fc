package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moat.policy.PolicyLoader;
import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.Stage;
import dev.moat.spi.TokenHistory;
import dev.moat.watermark.WatermarkKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The order {@link Stage}'s javadoc promises is the order protections run in. */
class PipelineOrderTest {
  /** Records each hook it gets, by its name. */
  record Recorder(String name, Stage stage, List<String> log) implements Protection {
    @Override
    public String id() {
      return name;
    }

    @Override
    public RequestProtection begin(RequestView request) {
      return new RequestProtection() {
        @Override
        public void processLogits(float[] logits, int offset, TokenHistory history) {
          log.add("row " + name);
        }

        @Override
        public long onToken(int token, TokenHistory history) {
          log.add("token " + name);
          return 0;
        }
      };
    }

    @Override
    public String describe() {
      return name;
    }
  }

  @Test
  void byStageThenInTheOrderConfigured() throws Exception {
    List<String> log = new ArrayList<>();
    String policy =
        """
        version: 1
        tiers:
          free:
            watermark: {scheme: kgw, key: k1}
            escalation: {rules: [{score: 0.0, level: 1}]}
        enforcement:
          noise_key: k1
          levels:
            - {level: 1, keyed_noise_kl: 0.1, pacing_tokens_per_second: 1000}
        """;
    try (Moat moat =
        Moat.builder()
            .policy(PolicyLoader.parse(policy, true, "p.yaml", Set.of("k1")))
            .keys(WatermarkKeys.of(MoatTest.KEY))
            .audit(c -> {})
            .addProtection("free", new Recorder("pace", Stage.PACING, log))
            .addProtection("free", new Recorder("mark2", Stage.WATERMARK, log))
            .addProtection("free", new Recorder("perturb", Stage.PERTURBATION, log))
            .addProtection("free", new Recorder("mark3", Stage.WATERMARK, log))
            .build()) {
      try (MoatRequest r = moat.begin(MoatTest.ctx("free").build())) {
        assertEquals(
            List.of(
                "perturb",
                "kgw(key=k1, gamma=0.25, delta=2.0, context_width=1)",
                "mark2",
                "mark3",
                "pace"),
            r.appliedProtections());
        r.processLogits(new float[r.context().vocabSize()]);
        r.accept(1);
        assertEquals(
            List.of(
                "row perturb",
                "row mark2",
                "row mark3",
                "row pace",
                "token perturb",
                "token mark2",
                "token mark3",
                "token pace"),
            log);
      }
    }
  }
}
