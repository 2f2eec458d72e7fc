package dev.moat.examples;

import dev.moat.examples.EvidenceCommand.Claim;
import dev.moat.examples.EvidenceCommand.Test;
import dev.moat.forensics.GreenMassWrongKeys;
import dev.moat.forensics.WrongKeyControl;

/**
 * The pre-registered primary test of an evidence report, black box or green mass, with the figures
 * its finding states. Immutable.
 *
 * @param family tests run with the primary test's key (Holm's m)
 * @param units de-duplicated tuples (black box) or contexts (green mass)
 */
record EvidencePrimary(
    String id,
    Claim claim,
    double log10,
    double adjusted,
    int atLeast,
    int keys,
    double empiricalP,
    long family,
    int units) {

  /** The primary test of {@code r}. */
  static EvidencePrimary of(EvidenceReport r) {
    EvidenceOpenWeights.MassTest m = r.massPrimary;
    String key = m != null ? m.claim.key().id() : r.tests.get(0).claim.key().id();
    EvidenceOpenWeights open = r.open;
    long family =
        r.tests.stream().filter(t -> t.claim.key().id().equals(key)).count()
            + (open == null
                ? 0
                : open.tests.stream().filter(t -> t.claim.key().id().equals(key)).count());
    if (m != null) {
      GreenMassWrongKeys w = m.wrongKeys;
      return new EvidencePrimary(
          m.id,
          m.claim,
          m.result.log10BoundP(),
          m.adjustedLog10,
          w.atLeast(),
          w.keys(),
          w.empiricalP(),
          family,
          m.result.contexts());
    }
    Test t = r.tests.get(0);
    WrongKeyControl.Result w = t.wrongKeys.result();
    return new EvidencePrimary(
        t.id,
        t.claim,
        t.result.log10PValue(),
        t.adjustedLog10,
        w.atLeast(),
        w.keys(),
        w.empiricalP(),
        family,
        t.result.scored());
  }
}
