package dev.moat.watermark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.RequestContext;
import dev.moat.key.WatermarkKey;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.TokenHistory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A KGW watermark that reads green lists from a cache gives, bit for bit, the logits of one that
 * hashes every step: two keys (or two gammas) sharing one cache never read each other's lists, a
 * cache too small to hold a list changes nothing, and self-hash seeding does not use it.
 */
class KgwListCacheTest {
  static final WatermarkKey A = WatermarkKey.ofHex("a", "000102030405060708090a0b0c0d0e0f");
  static final WatermarkKey B = WatermarkKey.ofHex("b", "0f0e0d0c0b0a09080706050403020100");

  /** A history the test appends to. */
  private static final class History implements TokenHistory {
    final int[] tokens = new int[512];
    int n;

    @Override
    public int length() {
      return n;
    }

    @Override
    public int promptLength() {
      return 0;
    }

    @Override
    public int get(int index) {
      return tokens[index];
    }
  }

  @ParameterizedTest(name = "vocab {0}, width {1}, self-hash {2}, cache {3} bytes")
  @CsvSource({
    "128256, 1, false, 67108864, 700",
    "32000, 2, false, 67108864, 200",
    "1000, 1, false, 67108864, 700",
    "600, 1, false, 300, 1", // two slots: lists replace each other all the time
    "600, 1, false, 100, 0", // no room for a list
    "50257, 1, true, 67108864, 0" // self-hash: one seed per candidate, not cached
  })
  void cachedListsGiveTheHashedLogits(
      int vocab, int width, boolean selfHash, long bytes, long minHits) {
    GreenListCache cache = new GreenListCache(bytes);
    RequestContext ctx =
        RequestContext.builder()
            .account("x")
            .tier("t")
            .vocabSize(vocab)
            .prompt("", new int[0])
            .build();
    KgwSettings.Builder settings =
        KgwSettings.builder().contextWidth(width).gamma(0.25).delta(2.0).selfHash(selfHash);
    RequestProtection[] cached = {
      new KgwWatermark(settings.keyId("a").build(), A, cache).begin(ctx),
      new KgwWatermark(settings.keyId("b").build(), B, cache).begin(ctx),
      new KgwWatermark(settings.keyId("a").gamma(0.5).build(), A, cache).begin(ctx)
    };
    RequestProtection[] hashed = {
      new KgwWatermark(settings.keyId("a").gamma(0.25).build(), A, new GreenListCache(0))
          .begin(ctx),
      new KgwWatermark(settings.keyId("b").build(), B, new GreenListCache(0)).begin(ctx),
      new KgwWatermark(settings.keyId("a").gamma(0.5).build(), A, new GreenListCache(0)).begin(ctx)
    };
    History history = new History();
    SplittableRandom r = new SplittableRandom(vocab + width);
    float[] logits = new float[vocab];
    for (int step = 0; step < 300; step++) {
      for (int i = 0; i < vocab; i++) {
        logits[i] = (float) (3 * r.nextGaussian());
      }
      for (int w = 0; w < cached.length; w++) {
        float[] expected = Arrays.copyOf(logits, vocab);
        float[] got = Arrays.copyOf(logits, vocab);
        hashed[w].processLogits(expected, 0, history);
        cached[w].processLogits(got, 0, history);
        for (int i = 0; i < vocab; i++) {
          if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
            assertEquals(expected[i], got[i], "watermark " + w + ", step " + step + ", token " + i);
          }
        }
      }
      // Few distinct tokens, so that contexts recur as the hot ones do in text.
      history.tokens[history.n++] = r.nextInt(20);
    }
    if (minHits == 0) {
      assertEquals(0, cache.hits() + cache.misses(), "the cache is not used");
    } else {
      // Three watermarks (two keys, two gammas) over about 20^width contexts each.
      assertTrue(cache.hits() >= minHits, cache.toString());
      assertTrue(cache.bytes() <= bytes, cache.toString());
    }
  }
}
