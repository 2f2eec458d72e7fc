package dev.moat.watermark;

/**
 * Test vectors of moat-kgw-v1, also printed in the README; computed independently by {@code
 * examples/verify/moat_kgw_v1.py --vectors} (Python, standard library, written from the spec).
 */
final class KgwSchemeVectors {
  /** Key 000102…0f, gamma 0.25, h = 1, previous token 42. */
  static final String SEED_42 = "c36fca37920831";

  static final String FIRST_GREEN_42 = "0,4,8,10,12,15,26,27";

  /** The same key and gamma, self-hash seeding: seed of token 7 after 42. */
  static final String SELF_SEED_42_7 = "471b6a15cb85b164";

  /** Self-hash: the first tokens that are green after 42, each under its own seed. */
  static final String FIRST_SELF_GREEN_42 = "1,2,4,9,18,21,24,27";

  private KgwSchemeVectors() {}
}
