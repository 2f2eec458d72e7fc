package dev.moat.forensics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwSettings;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CommittedSchemeTest {
  @Test
  void settingsRoundTripThroughTheirCommittedParameters() {
    KgwSettings kgw =
        KgwSettings.builder()
            .keyId("k")
            .gamma(0.25)
            .delta(2.0)
            .contextWidth(4)
            .selfHash(true)
            .build();
    Map<String, String> p = CommittedScheme.parameters(kgw);
    assertEquals(
        "{context_width=4, delta=2, gamma=0.25, scheme=moat-kgw-v1, seeding=selfhash}",
        p.toString());
    assertEquals(kgw, CommittedScheme.spec("k", p));
    GumbelSettings g = new GumbelSettings("k", 2);
    assertEquals(
        "{context_width=2, scheme=moat-gumbel-v2}", CommittedScheme.parameters(g).toString());
    assertEquals(g.toString(), CommittedScheme.spec("k", CommittedScheme.parameters(g)).toString());
  }

  @Test
  void numbersHaveOneSpelling() {
    assertEquals("0.002", CommittedScheme.decimal(0.002)); // JDK 17's Double.toString: 0.0020
    assertEquals("2", CommittedScheme.decimal(2.0));
    assertEquals("0.1", CommittedScheme.decimal(0.1));
    Map<String, String> p =
        new TreeMap<>(CommittedScheme.parameters(KgwSettings.builder().keyId("k").build()));
    p.put("gamma", "0.250");
    assertEquals(
        "`parameters.gamma` was '0.250' but it must be a plain decimal without trailing zeros",
        assertThrows(IllegalArgumentException.class, () -> CommittedScheme.spec("k", p))
            .getMessage());
  }

  @Test
  void badParametersAreNamed() {
    assertEquals(
        "`parameters.scheme` was 'kgw' but it must be moat-kgw-v1 or moat-gumbel-v2",
        assertThrows(
                IllegalArgumentException.class,
                () -> CommittedScheme.spec("k", Map.of("scheme", "kgw")))
            .getMessage());
    assertEquals(
        "`parameters.gamma` is not a parameter of moat-gumbel-v2; allowed: context_width, scheme",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    CommittedScheme.spec(
                        "k",
                        Map.of("scheme", "moat-gumbel-v2", "context_width", "1", "gamma", "0.5")))
            .getMessage());
    assertEquals(
        "`parameters.context_width` was '0' but it must be an integer in [1, 64]",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    CommittedScheme.spec(
                        "k", Map.of("scheme", "moat-gumbel-v2", "context_width", "0")))
            .getMessage());
    assertEquals(
        "`parameters.seeding` is missing but it is required (a committed parameter)",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    CommittedScheme.spec(
                        "k",
                        Map.of(
                            "scheme",
                            "moat-kgw-v1",
                            "gamma",
                            "0.25",
                            "delta",
                            "2",
                            "context_width",
                            "1")))
            .getMessage());
    assertEquals(
        "`parameters.seeding` was 'right' but it must be lefthash or selfhash",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    CommittedScheme.spec(
                        "k",
                        Map.of(
                            "scheme",
                            "moat-kgw-v1",
                            "gamma",
                            "0.25",
                            "delta",
                            "2",
                            "context_width",
                            "1",
                            "seeding",
                            "right")))
            .getMessage());
    assertEquals(
        "`entropy_threshold` was '1.5' but it must be 0: evidence reports score every position"
            + " (no entropy gate)",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    CommittedScheme.parameters(
                        KgwSettings.builder().keyId("k").entropyThreshold(1.5).build()))
            .getMessage());
  }
}
