package dev.moat.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moat.sampling.Sampler;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Candidates#sample}'s default, for an implementation that keeps it: under temperature alone
 * a race with the next seed of the host's stream; otherwise the inverse-CDF draw among the
 * candidates with the next uniform, which is what Moat's own sampler does under top-k, with or
 * without top-p (so the two agree draw for draw there, and an implementation overriding nothing
 * gets an exact draw). Under top-p without top-k Moat's sampler draws by rejection instead ({@code
 * NucleusDrawTest}): the same distribution, not the same picks.
 */
class CandidatesTest {
  /**
   * Moat's sampler seen through the interface alone: its abstract methods call the sampler, its
   * default methods keep the interface's code.
   */
  private static Candidates plain(Sampler s) {
    return (Candidates)
        java.lang.reflect.Proxy.newProxyInstance(
            Candidates.class.getClassLoader(),
            new Class<?>[] {Candidates.class},
            (proxy, method, args) ->
                method.isDefault()
                    ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args)
                    : method.invoke(s, args));
  }

  @Test
  void theDefaultDrawRacesUnderTemperatureAloneAndElseWalksTheCandidates() {
    SplittableRandom r = new SplittableRandom(5);
    float[] row = new float[3_000];
    for (int i = 0; i < row.length; i++) {
      row[i] = (float) (2 * r.nextGaussian());
    }
    SamplingParams t1 = SamplingParams.builder().temperature(1f).seed(7).build();
    SamplingParams topK = SamplingParams.builder().temperature(0.8f).topK(40).seed(7).build();
    SamplingParams topP =
        SamplingParams.builder().temperature(1.2f).topK(1_000).topP(0.9f).seed(7).build();
    Candidates raced = plain(new Sampler(t1, row.length));
    Sampler racer = new Sampler(t1, row.length);
    Candidates walkedK = plain(new Sampler(topK, row.length));
    Sampler ownK = new Sampler(topK, row.length);
    Candidates walkedP = plain(new Sampler(topP, row.length));
    Sampler ownP = new Sampler(topP, row.length);
    for (int d = 0; d < 300; d++) {
      assertEquals(racer.race(row, 0, racer.nextSeed()), raced.sample(row, 0), "draw " + d);
      assertEquals(ownK.sample(row, 0), walkedK.sample(row, 0), "top-k draw " + d);
      assertEquals(ownP.sample(row, 0), walkedP.sample(row, 0), "top-p draw " + d);
    }
  }
}
