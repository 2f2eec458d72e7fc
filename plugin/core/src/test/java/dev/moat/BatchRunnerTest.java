package dev.moat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.key.WatermarkKey;
import dev.moat.policy.PolicyLoader;
import dev.moat.spi.FinishReason;
import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;
import dev.moat.spi.SamplingParams;
import dev.moat.spi.Stage;
import dev.moat.spi.TokenHistory;
import dev.moat.watermark.WatermarkKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchRunner} against {@link Batch}: the same rows, the same outputs, bit for bit, whatever
 * thread runs a row; failures, misuse and shutdown.
 */
class BatchRunnerTest {
  static final int VOCAB = 3000;
  static final WatermarkKey WM = WatermarkKey.ofHex("wm1", "00112233445566778899aabbccddeeff");
  static final WatermarkKey NOISE =
      WatermarkKey.ofHex("noise1", "ffeeddccbbaa99887766554433221100");

  /** Tiers of different cost and kind, one of them escalated to a level with keyed noise. */
  static final String POLICY =
      """
      version: 1
      tiers:
        kgw: {watermark: {scheme: kgw, key: wm1, gamma: 0.25, delta: 2.0}}
        selfhash: {watermark: {scheme: kgw, key: wm1, context_width: 2, seeding: selfhash}}
        gumbel: {watermark: {scheme: gumbel, key: wm1}}
        plain: {}
        noisy:
          watermark: {scheme: kgw, key: wm1, context_width: 3, dedup: request}
          escalation: {rules: [{score: 0.0, level: 2}]}
      enforcement:
        noise_key: noise1
        levels:
          - {level: 2, keyed_noise_kl: 0.125, temperature_jitter: 0.3}
      """;

  static final String[] TIERS = {"kgw", "selfhash", "gumbel", "plain", "noisy"};

  static Moat moat(Protection... extra) throws Exception {
    Moat.Builder b =
        Moat.builder()
            .policy(PolicyLoader.parse(POLICY, true, "p.yaml", Set.of("wm1", "noise1")))
            .keys(WatermarkKeys.of(WM, NOISE))
            .audit(c -> {});
    for (Protection p : extra) {
      b.addProtection("plain", p);
    }
    return b.build();
  }

  static MoatRequest[] begin(Moat moat, int rows, boolean hostSamples) {
    MoatRequest[] rs = new MoatRequest[rows];
    for (int i = 0; i < rows; i++) {
      String tier = TIERS[i % TIERS.length];
      if (hostSamples && tier.equals("gumbel")) {
        tier = "kgw"; // Gumbel owns sampling: a host that samples itself cannot run it
      }
      rs[i] =
          moat.begin(
              RequestContext.builder()
                  .account("a" + i)
                  .tier(tier)
                  .vocabSize(VOCAB)
                  .prompt("p", new int[] {1 + i, 2, 3})
                  .sampling(
                      SamplingParams.builder()
                          .temperature(0.8f)
                          .topK(i % 3 == 0 ? 40 : 0)
                          .seed(i)
                          .maxTokens(1000)
                          .build())
                  .build());
    }
    return rs;
  }

  /** A model step: logits that depend on each row's last token and the step. */
  static void fill(float[] logits, MoatRequest[] rs, int step) {
    for (int i = 0; i < rs.length; i++) {
      TokenHistory h = rs[i].history();
      SplittableRandom r = new SplittableRandom(h.get(h.length() - 1) * 31L + step * 7L + i);
      for (int v = 0; v < VOCAB; v++) {
        logits[i * VOCAB + v] = (float) (2 * r.nextGaussian());
      }
    }
  }

  static int argmax(float[] l, int offset) {
    int best = 0;
    for (int v = 1; v < VOCAB; v++) {
      if (l[offset + v] > l[offset + best]) {
        best = v;
      }
    }
    return best;
  }

  @Test
  void samplingOnFourThreadsIsBitIdenticalToOneThread() throws Exception {
    int rows = 37;
    try (Moat a = moat();
        Moat b = moat();
        BatchRunner runner = BatchRunner.builder().threads(4).minRows(1).build()) {
      MoatRequest[] seq = begin(a, rows, false);
      MoatRequest[] par = begin(b, rows, false);
      float[] ls = new float[rows * VOCAB];
      float[] lp = new float[rows * VOCAB];
      int[] ts = new int[rows];
      int[] tp = new int[rows];
      for (int step = 0; step < 60; step++) {
        fill(ls, seq, step);
        fill(lp, par, step);
        Batch.sample(seq, ls, VOCAB, ts);
        runner.sample(par, lp, VOCAB, tp);
        assertArrayEquals(ts, tp, "tokens at step " + step);
        assertArrayEquals(ls, lp, "processed logits at step " + step);
        for (int i = 0; i < rows; i++) {
          assertEquals(seq[i].accept(ts[i]), par[i].accept(tp[i]), "hold of row " + i);
        }
      }
      for (int i = 0; i < rows; i++) {
        seq[i].finish(FinishReason.LENGTH);
        par[i].finish(FinishReason.LENGTH);
        assertArrayEquals(seq[i].generatedTokens(), par[i].generatedTokens(), "row " + i);
      }
    }
  }

  @Test
  void processingForAHostSamplerIsBitIdenticalToOneThread() throws Exception {
    int rows = 16;
    try (Moat a = moat();
        Moat b = moat();
        BatchRunner runner =
            BatchRunner.builder().threads(3).idleSpin(Duration.ofMillis(1)).build()) {
      MoatRequest[] seq = begin(a, rows, true);
      MoatRequest[] par = begin(b, rows, true);
      float[] ls = new float[rows * VOCAB];
      float[] lp = new float[rows * VOCAB];
      for (int step = 0; step < 40; step++) {
        fill(ls, seq, step);
        fill(lp, par, step);
        Batch.processLogits(seq, ls, VOCAB);
        runner.processLogits(par, lp, VOCAB);
        assertArrayEquals(ls, lp, "processed logits at step " + step);
        for (int i = 0; i < rows; i++) {
          seq[i].accept(argmax(ls, i * VOCAB));
          par[i].accept(argmax(lp, i * VOCAB));
        }
      }
    }
  }

  @Test
  void aFailingRowDoesNotStopTheOthersAndTheLowestIsRethrown() throws Exception {
    int rows = 12;
    try (Moat a = moat();
        Moat b = moat();
        BatchRunner runner = BatchRunner.builder().threads(4).minRows(1).build()) {
      MoatRequest[] seq = begin(a, rows, true);
      MoatRequest[] par = begin(b, rows, true);
      float[] ls = new float[rows * VOCAB];
      float[] lp = new float[rows * VOCAB];
      fill(ls, seq, 0);
      fill(lp, par, 0);
      lp[9 * VOCAB + 5] = Float.NaN;
      lp[4 * VOCAB + 7] = Float.NaN;
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> runner.processLogits(par, lp, VOCAB));
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
      assertTrue(e.getMessage().contains("7"), "names row 4's entry 7: " + e.getMessage());
      assertEquals(1, e.getSuppressed().length, "row 9's failure, suppressed");
      for (int i = 0; i < rows; i++) {
        if (i != 4 && i != 9) {
          seq[i].processLogits(ls, i * VOCAB);
          for (int v = 0; v < VOCAB; v++) {
            assertEquals(
                Float.floatToRawIntBits(ls[i * VOCAB + v]),
                Float.floatToRawIntBits(lp[i * VOCAB + v]),
                "row " + i + " was processed despite the failures");
          }
        }
      }
      // The runner goes on after a failed step.
      fill(lp, par, 1);
      runner.processLogits(par, lp, VOCAB);
    }
  }

  /** Sampling: the failing rows' tokens are -1, every other row's token is the one it has alone. */
  @Test
  void aFailingRowsTokenIsMinusOneAndTheOthersAreSampled() throws Exception {
    int rows = 10;
    try (Moat a = moat();
        Moat b = moat();
        BatchRunner runner = BatchRunner.builder().threads(3).minRows(1).build()) {
      MoatRequest[] seq = begin(a, rows, true);
      MoatRequest[] par = begin(b, rows, true);
      float[] ls = new float[rows * VOCAB];
      float[] lp = new float[rows * VOCAB];
      fill(ls, seq, 0);
      fill(lp, par, 0);
      lp[6 * VOCAB + 3] = Float.POSITIVE_INFINITY;
      int[] out = new int[rows];
      java.util.Arrays.fill(out, 12345);
      assertThrows(IllegalArgumentException.class, () -> runner.sample(par, lp, VOCAB, out));
      for (int i = 0; i < rows; i++) {
        assertEquals(i == 6 ? -1 : seq[i].sample(ls, i * VOCAB), out[i], "row " + i);
      }
    }
  }

  /** A protection that holds its row until released: a step that stays running. */
  static final class Gate implements Protection {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public String id() {
      return "gate";
    }

    @Override
    public Stage stage() {
      return Stage.PERTURBATION;
    }

    @Override
    public String describe() {
      return "gate";
    }

    @Override
    public RequestProtection begin(RequestView request) {
      return new RequestProtection() {
        @Override
        public void processLogits(float[] logits, int offset, TokenHistory history) {
          entered.countDown();
          try {
            if (!release.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("never released");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      };
    }
  }

  @Test
  void aSecondStepWhileOneRunsIsRefused() throws Exception {
    Gate gate = new Gate();
    int rows = 8;
    try (Moat m = moat(gate);
        BatchRunner runner = BatchRunner.builder().threads(2).build()) {
      MoatRequest[] rs = begin(m, rows, true);
      float[] l = new float[rows * VOCAB];
      fill(l, rs, 0);
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread first =
          new Thread(
              () -> {
                try {
                  runner.processLogits(rs, l, VOCAB);
                } catch (Throwable t) {
                  failed.set(t);
                }
              });
      first.start();
      assertTrue(gate.entered.await(10, TimeUnit.SECONDS));
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> runner.processLogits(rs, l, VOCAB));
      assertTrue(e.getMessage().contains("one step at a time"), e.getMessage());
      gate.release.countDown();
      first.join(10_000);
      assertFalse(first.isAlive());
      assertEquals(null, failed.get());
    }
  }

  @Test
  void closeStopsTheWorkersAndRefusesSteps() throws Exception {
    List<Thread> made = new ArrayList<>();
    BatchRunner runner =
        BatchRunner.builder()
            .threads(3)
            .threadFactory(
                r -> {
                  Thread t = new Thread(r, "host-" + made.size());
                  t.setDaemon(true);
                  made.add(t);
                  return t;
                })
            .build();
    assertEquals(2, made.size());
    try (Moat m = moat()) {
      MoatRequest[] rs = begin(m, 4, true);
      float[] l = new float[4 * VOCAB];
      fill(l, rs, 0);
      runner.processLogits(rs, l, VOCAB);
      runner.close();
      runner.close(); // idempotent
      for (Thread t : made) {
        t.join(5000);
        assertFalse(t.isAlive(), t.getName() + " stopped");
      }
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> runner.processLogits(rs, l, VOCAB));
      assertEquals("this BatchRunner is closed", e.getMessage());
    }
  }

  @Test
  void settingsAreValidatedWithTheFieldValueAndRule() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BatchRunner.builder().threads(0));
    assertEquals("`threads` was '0' but it must be in [1, 1024]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BatchRunner.builder().minRows(0));
    assertEquals("`minRows` was '0' but it must be >= 1", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BatchRunner.builder().idleSpin(Duration.ofSeconds(2)));
    assertEquals("`idleSpin` was 'PT2S' but it must be between 0 and 1 second", e.getMessage());
  }

  @Test
  void wrongShapesAreRefusedBeforeAnyRowRuns() throws Exception {
    try (Moat m = moat();
        BatchRunner runner = BatchRunner.builder().threads(2).build()) {
      MoatRequest[] rs = begin(m, 3, true);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> runner.processLogits(rs, new float[5], VOCAB));
      assertEquals(
          "batch logits length was 5 but 3 rows of vocabSize 3000 need 9000", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> runner.sample(rs, new float[3 * VOCAB], VOCAB, new int[2]));
      assertEquals("`out.length` was '2' but it must be >= 3", e.getMessage());
      assertEquals(0, rs[0].steps(), "nothing ran");
    }
  }
}
