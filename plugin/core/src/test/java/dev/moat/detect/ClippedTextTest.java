package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Texts the detector cuts short (sample prompts, reasons) stay text: an emoji across the cut is
 * dropped whole, not halved. Found on 2026-12-03 by the third generator's seed 7, whose replay with
 * {@code --out} failed ({@code MalformedInputException}) on a sample prompt cut inside "🙏".
 */
class ClippedTextTest {
  private static void assertEncodes(String s) throws CharacterCodingException {
    // The strict encoder a verdict writer uses: it refuses a lone surrogate.
    StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(s));
  }

  @Test
  void aSamplePromptCutAtAnEmojiDropsTheWholeEmoji() throws Exception {
    String prompt = "x".repeat(159) + "🙏 and more";
    AccountState s = new AccountState("acct");
    s.addSample(prompt);
    String sample = s.samples.get(0);
    assertEncodes(sample);
    assertEquals("x".repeat(159) + "…", sample);
    // One char earlier the emoji fits whole.
    s.addSample("x".repeat(158) + "🙏 and more");
    assertEquals("x".repeat(158) + "🙏…", s.samples.get(1));
  }

  @Test
  void aReasonCutAtAnEmojiStaysText() throws Exception {
    String reason = "y".repeat(AccountMark.MAX_REASON - 1) + "🙏";
    String kept = AccountMark.clean(reason);
    assertEncodes(kept);
    assertTrue(kept.length() < AccountMark.MAX_REASON);
  }
}
