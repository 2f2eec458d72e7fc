package dev.moat.watermark;

/**
 * Test vectors of moat-kgw-v1, also printed in the README; computed independently by {@code
 * examples/verify/moat_kgw_v1.py --vectors} (Python, standard library, written from the spec).
 */
final class KgwSchemeVectors {
  /** Key 000102…0f, gamma 0.25, h = 1, previous token 42. */
  static final String SEED_42 = "c36fca37920831";

  static final String FIRST_GREEN_42 = "0,4,8,10,12,15,26,27";

  private KgwSchemeVectors() {}
}
