package dev.moat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.key.WatermarkKey;
import dev.moat.policy.Policy;
import dev.moat.policy.TierPolicy;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import java.lang.management.ManagementFactory;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A request's start allocates nothing in proportion to the vocabulary for a host that samples
 * itself: Moat's sampler (a few vocabulary-sized scratch arrays) is made by the first {@code
 * sample} call. It used to be made by {@code begin}: 147 KB per request at vocab 32,000, and 0.6 ms
 * per request start on a fresh heap (PromptBenchmark, SessionsBenchmark in {@code perf/}). Counted
 * with the JVM's per-thread allocation counter, not timed.
 */
class RequestStartAllocationTest {
  @Test
  void beginAllocatesNothingVocabularySizedUntilMoatSamples() throws Exception {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    int vocab = 1_000_000; // 4 MB per int[vocab]
    WatermarkKey key = WatermarkKey.ofHex("k", "000102030405060708090a0b0c0d0e0f");
    try (Moat moat =
        Moat.builder()
            .policy(
                Policy.of(
                    "p", TierPolicy.of("free", KgwSettings.builder().keyId("k").build(), Set.of())))
            .keys(WatermarkKeys.of(key))
            .build()) {
      RequestContext ctx =
          RequestContext.builder()
              .account("a")
              .tier("free")
              .vocabSize(vocab)
              .prompt("", new int[] {1, 2, 3})
              .sampling(SamplingParams.builder().topK(50).topP(0.9f).maxTokens(16).build())
              .build();
      moat.begin(ctx).close(); // warm: classes, caches
      long before = threads.getThreadAllocatedBytes(id);
      MoatRequest r = moat.begin(ctx);
      long begin = threads.getThreadAllocatedBytes(id) - before;
      assertTrue(begin < 256 * 1024, "begin allocated " + begin + " bytes at vocab " + vocab);
      float[] logits = new float[vocab];
      r.processLogits(logits); // per-token allocation is JMH's to show (-prof gc): 0 when compiled
      r.accept(1);
      long beforeSample = threads.getThreadAllocatedBytes(id);
      r.sample(logits);
      long sample = threads.getThreadAllocatedBytes(id) - beforeSample;
      assertTrue(sample >= 4L * vocab, "the sampler is made by the first sample: " + sample);
      r.close();
    }
  }
}
