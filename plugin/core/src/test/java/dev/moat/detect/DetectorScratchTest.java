package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The per-thread cache of system prompts' keys ({@link DetectorScratch#systemKey}): whatever it
 * holds, evicts or refuses to keep, a key is the one a scan from nothing gives.
 */
class DetectorScratchTest {
  private static final long SALT = 0x5157E3A11L;

  @Test
  void keysAreThoseOfAFreshScanWhateverTheCacheHolds() {
    SplittableRandom r = new SplittableRandom(20261204);
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < 150; i++) { // more than the 64 a thread keeps: sets overflow and evict
      String name =
          Integer.toString(i + 26, 26)
              .chars()
              .mapToObj(c -> "" + (char) ('a' + Character.digit(c, 26)))
              .reduce("", String::concat); // letters: the skeleton reads digits as 0
      prompts.add("You are a helpful assistant for product " + name + ". Think step by step.");
    }
    // Longer than the scan reads: kept as a prefix. Equal that far, one key; a change at the
    // scan's last character, or a "://" that starts there and ends two past it, another.
    String longer = "word ".repeat(1_000);
    prompts.add(longer);
    prompts.add(longer.substring(0, 1_999) + "Q" + longer.substring(2_000));
    prompts.add(longer.substring(0, 1_999) + "://" + longer.substring(2_002)); // "word://": a URL
    prompts.add(longer.substring(0, 1_999) + ":xx" + longer.substring(2_002)); // equal to 2,000
    // Equal in length and in every character the set's hash samples: one set, apart by equals.
    String base = "You are the support assistant of a hardware store; answer briefly and politely.";
    List<String> alike = new ArrayList<>();
    for (char c = 'a'; c <= 'f'; c++) {
      String other = base.substring(0, 40) + c + base.substring(41);
      alike.add(other);
    }
    prompts.addAll(alike);
    DetectorScratch cached = new DetectorScratch(64, 16);
    Set<Long> keys = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      // Mostly a few hot ones, as a host alternates between its products.
      String p = prompts.get(r.nextInt(3) > 0 ? r.nextInt(6) : r.nextInt(prompts.size()));
      String copy = new String(p.toCharArray()); // equal, not the same instance
      long want = new DetectorScratch(64, 16).systemKey(copy, 2000, SALT);
      assertEquals(
          want,
          cached.systemKey(copy, 2000, SALT),
          () -> p.length() + " chars: " + p.substring(0, Math.min(40, p.length())));
      keys.add(want);
    }
    // Distinct prompts get distinct keys (the first 2002 characters differ for all of them here).
    assertEquals(prompts.size(), keys.size());
    // Equal in the first 2002 characters: one key, found in the cache for the other.
    String tail = longer.substring(0, 2_002) + "something else entirely, ".repeat(40);
    assertEquals(
        new DetectorScratch(64, 16).systemKey(longer, 2000, SALT),
        cached.systemKey(tail, 2000, SALT));
    String a = alike.get(0);
    String b = alike.get(5);
    assertTrue(
        !a.equals(b)
            && DetectorScratch.sampledHash(a.toCharArray(), a.length())
                == DetectorScratch.sampledHash(b.toCharArray(), b.length()));
  }
}
