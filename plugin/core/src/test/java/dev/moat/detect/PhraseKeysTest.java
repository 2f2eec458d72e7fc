package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link PhraseKeys} as {@link PromptScan} feeds it: what survives a paraphrase, what does not. */
class PhraseKeysTest {
  private static long[] keys(String prompt) {
    PromptScan scan = new PromptScan();
    scan.scan(prompt, 2000);
    return Arrays.copyOf(scan.phrases.keys, scan.phrases.count);
  }

  /** The keys of every content-word pair: the prompt's candidates, before the bottom-k cut. */
  private static Set<Long> pairs(String... contentWords) {
    Set<Long> out = new HashSet<>();
    for (int i = 1; i < contentWords.length; i++) {
      PhraseKeys p = new PhraseKeys();
      p.word(hash(contentWords[i - 1]), contentWords[i - 1].length(), true);
      p.word(hash(contentWords[i]), contentWords[i].length(), true);
      out.add(p.keys[0]);
    }
    return out;
  }

  private static long hash(String w) {
    return MinHash.wordHash(w, 0, w.length());
  }

  @Test
  void framingCasePunctuationAndReasoningAsksDoNotChangeTheKeys() {
    long[] a = keys("Hey! Could you help me with a webhook delivery service in Rust?");
    long[] b = keys("A Webhook Delivery Service, rust please. Think step by step. thanks!");
    assertArrayEquals(a, b);
    assertEquals(pairs("webhook", "delivery", "service", "rust"), set(a));
    // A content word of its own ("build") adds its pair and leaves the others.
    Set<Long> c = set(keys("Hey, could you build me a webhook delivery service in Rust?"));
    assertEquals(pairs("build", "webhook", "delivery", "service", "rust"), c);
  }

  @Test
  void numbersPlaceholdersAndShortWordsAreNotContent() {
    assertEquals(0, keys("Give me 42 of them, by 3 pm, at https://example.com/x ok?").length);
    assertEquals(0, keys("thanks, that is all").length);
  }

  @Test
  void keepsTheSmallestKeysOnceEachAscending() {
    SplittableRandom r = new SplittableRandom(3);
    for (int trial = 0; trial < 200; trial++) {
      StringBuilder text = new StringBuilder();
      String[] words = new String[2 + r.nextInt(40)];
      for (int i = 0; i < words.length; i++) {
        words[i] = "w" + (char) ('a' + r.nextInt(26)) + (char) ('a' + r.nextInt(26)) + r.nextInt(4);
        text.append(words[i]).append(' ');
      }
      // Repeated pairs included: the reference is the distinct pairs' smallest keys.
      long[] expected =
          pairs(words).stream().mapToLong(Long::longValue).sorted().limit(PhraseKeys.MAX).toArray();
      assertArrayEquals(expected, keys(text.toString()), text.toString());
    }
  }

  @Test
  void aPromptSharingOnlyFramingWithAnotherSharesNoKey() {
    Set<Long> a = set(keys("Could you please explain, step by step, how tides work? Thanks!"));
    Set<Long> b = set(keys("Could you please explain, step by step, how vaccines work? Thanks!"));
    a.retainAll(b);
    assertTrue(a.isEmpty(), a.toString());
  }

  private static Set<Long> set(long[] keys) {
    Set<Long> out = new HashSet<>();
    for (long k : keys) {
      out.add(k);
    }
    return out;
  }
}
