package dev.moat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.policy.PolicyException;
import dev.moat.policy.PolicyOverride;
import dev.moat.spi.SamplingParams;
import dev.moat.watermark.KgwSettings;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bad input to Moat (an unknown tier, broken logits, invalid requests, overrides where they are not
 * allowed, a policy naming an unknown key) gets an error naming the field, the value and what is
 * allowed, and nothing is half-applied.
 */
class MoatInputTest {
  @Test
  void unknownTierIsRejectedWithTheDefinedTiers() throws IOException {
    try (Moat moat = MoatTest.moat()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> moat.begin(MoatTest.ctx("gold").build()));
      assertEquals(
          "tier 'gold' is not defined by the policy; defined tiers: free, enterprise, internal",
          e.getMessage());
    }
  }

  @Test
  void badLogitsAreRejectedAndNothingIsRecorded() throws IOException {
    try (Moat moat = MoatTest.moat()) {
      MoatRequest r = moat.begin(MoatTest.ctx("free").build());
      MoatRequest twin = moat.begin(MoatTest.ctx("free").build());
      float[] l = MoatTest.modelStep(r.history());
      l[1234] = Float.NaN;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.sample(l));
      assertEquals(
          "logits[1234] was NaN at step 0 but logits must be finite or -Infinity (NaN and +Infinity are rejected)",
          e.getMessage());
      // The row may hold the watermark's edits (the check rides in its pass), never a masked value.
      assertTrue(Float.isNaN(l[1234]), "the bad value is left for the host to see");
      l[1234] = Float.POSITIVE_INFINITY;
      assertThrows(IllegalArgumentException.class, () -> r.processLogits(l));
      assertEquals(Float.POSITIVE_INFINITY, l[1234]);
      IllegalArgumentException len =
          assertThrows(
              IllegalArgumentException.class, () -> r.sample(new float[MoatTest.VOCAB - 1]));
      assertEquals(
          "logits row length was 1999 but the request's vocabSize is 2000", len.getMessage());
      IllegalArgumentException tok =
          assertThrows(IllegalArgumentException.class, () -> r.accept(MoatTest.VOCAB));
      assertEquals("`token` was '2000' but it must be in [0, 2000)", tok.getMessage());
      // The request is still usable after rejected input, and gives what it would have given.
      int token = r.sample(MoatTest.modelStep(r.history()));
      assertEquals(twin.sample(MoatTest.modelStep(twin.history())), token);
      r.accept(token);
      assertEquals(1, r.steps());
    }
  }

  @Test
  void badRequestsAreRejectedAtTheBuilder() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RequestContext.builder()
                    .account("a")
                    .tier("free")
                    .vocabSize(10)
                    .prompt("", new int[] {3, 10})
                    .build());
    assertEquals("`promptTokens[1]` was '10' but it must be in [0, 10)", e.getMessage());
    IllegalStateException missing =
        assertThrows(
            IllegalStateException.class,
            () -> RequestContext.builder().account("a").vocabSize(10).build());
    assertEquals(
        "`tier` is missing but it is required (a tier defined by the policy)",
        missing.getMessage());
    IllegalArgumentException topP =
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topP(0f));
    assertEquals("`top_p` was '0.0' but it must be in (0, 1]", topP.getMessage());
  }

  @Test
  void overridesAreHonouredOnlyWhereAllowed() throws IOException {
    try (Moat moat = MoatTest.moat()) {
      MoatRequest off =
          moat.begin(
              MoatTest.ctx("enterprise")
                  .trusted(true)
                  .overrides(PolicyOverride.watermarkOff())
                  .build());
      assertEquals(List.of(), off.appliedProtections());
      PolicyException e =
          assertThrows(
              PolicyException.class,
              () ->
                  moat.begin(
                      MoatTest.ctx("free")
                          .trusted(true)
                          .overrides(PolicyOverride.watermarkOff())
                          .build()));
      assertEquals(
          List.of(
              "`overrides.watermark` is not allowed for tier 'free'; this tier allows overrides of: []"),
          e.problems());
      PolicyException key =
          assertThrows(
              PolicyException.class,
              () ->
                  moat.begin(
                      MoatTest.ctx("enterprise")
                          .trusted(true)
                          .overrides(
                              PolicyOverride.watermark(KgwSettings.builder().keyId("nope").build()))
                          .build()));
      assertEquals(
          List.of(
              "`tiers.enterprise.watermark.key` was 'nope' but no watermark key has that id; known key ids: [k1]"),
          key.problems());
      // An untrusted caller (an API client) can never switch its own watermark off.
      RequestContext untrusted =
          MoatTest.ctx("enterprise")
              .requestId("r-7")
              .overrides(PolicyOverride.watermarkOff())
              .build();
      PolicyException u = assertThrows(PolicyException.class, () -> moat.begin(untrusted));
      assertEquals(
          List.of(
              "request r-7 carries `overrides` but is not trusted; only requests the host marks"
                  + " trusted (RequestContext.Builder.trusted) may change their tier's protections"),
          u.problems());
    }
  }

  @Test
  void policyNamingAnUnknownKeyFailsTheBuild() {
    PolicyException e =
        assertThrows(PolicyException.class, () -> Moat.builder().policy(MoatTest.POLICY).build());
    assertEquals(2, e.problems().size());
    assertFalse(e.getMessage().contains("00112233"), "never shows key material");
  }
}
