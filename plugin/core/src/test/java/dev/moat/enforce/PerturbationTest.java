package dev.moat.enforce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.sampling.Sampler;
import dev.moat.spi.SamplingParams;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PerturbationTest {
  /**
   * Logprob noise: 20,000 draws at sigma 0.5 around -2.0, rounded to 2 digits. The sample mean is
   * within 4 standard errors (0.5/sqrt(20,000) = 0.0035) of -2.0 and the sample deviation within 3%
   * of 0.5; nothing is above 0 (a log-probability).
   */
  @Test
  void logprobNoiseHasTheStatedSpreadAndStaysALogprob() {
    Level l = Level.builder(1).logprobsDigits(2).logprobsNoise(0.5).build();
    SplittableRandom r = new SplittableRandom(42);
    int n = 20_000;
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      double g =
          Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
      double v = l.logprob(-2.0, g);
      assertTrue(v <= 0);
      assertEquals(v, Math.round(v * 100) / 100.0, 1e-12, "rounded to 2 digits");
      sum += v;
      sq += v * v;
    }
    double mean = sum / n;
    double sd = Math.sqrt(sq / n - mean * mean);
    assertEquals(-2.0, mean, 4 * 0.5 / Math.sqrt(n));
    assertEquals(0.5, sd, 0.015);
    assertEquals(-1.23, l.logprob(-1.2345, 0.0), 1e-12, "a zero draw: rounding alone");
    assertEquals(0.0, Level.builder(1).logprobsNoise(3).build().logprob(-0.1, 5));
  }

  /**
   * Temperature scaling: two tokens 1 nat apart. At temperature 1 the first is drawn with
   * probability e/(e+1) = 0.731; scaled by 2 (temperature 2), e^0.5/(e^0.5+1) = 0.622. 20,000 draws
   * each, within 5 standard errors (0.0031-0.0034).
   */
  @Test
  void scaledTemperatureSamplesTheScaledDistribution() {
    float[] row = {1f, 0f};
    Sampler s = new Sampler(SamplingParams.builder().temperature(1f).seed(3).build(), 2);
    int first = 0;
    for (int i = 0; i < 20_000; i++) {
      first += s.sample(row.clone(), 0) == 0 ? 1 : 0;
    }
    assertEquals(Math.E / (Math.E + 1), first / 20_000.0, 5 * 0.0031);
    s.scaleTemperature(2f);
    first = 0;
    for (int i = 0; i < 20_000; i++) {
      first += s.sample(row.clone(), 0) == 0 ? 1 : 0;
    }
    double e = Math.exp(0.5);
    assertEquals(e / (e + 1), first / 20_000.0, 5 * 0.0034);
    assertThrows(IllegalArgumentException.class, () -> s.scaleTemperature(0f));
    Sampler greedy = new Sampler(SamplingParams.greedy(4), 2);
    greedy.scaleTemperature(1.5f);
    assertEquals(0, greedy.sample(row.clone(), 0), "greedy stays greedy");
  }

  @Test
  void levelsValidateTheirPerturbations() {
    IllegalArgumentException x =
        assertThrows(
            IllegalArgumentException.class, () -> Level.builder(2).temperatureJitter(0.8).build());
    assertTrue(x.getMessage().contains("enforcement.levels[2].temperature_jitter"), x.getMessage());
    x =
        assertThrows(
            IllegalArgumentException.class, () -> Level.builder(2).logprobsNoise(-1).build());
    assertTrue(x.getMessage().contains("logprobs_noise"), x.getMessage());
    Level n = Level.builder(2).logitBias(Level.LogitBias.NEUTRALISE).build();
    assertTrue(!n.refuseLogitBias());
    assertEquals(Level.LogitBias.NEUTRALISE, n.logitBias());
  }
}
