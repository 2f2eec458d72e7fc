package dev.moat.watermark;

import dev.moat.key.WatermarkKey;
import dev.moat.spi.Protection;
import java.util.Objects;

/**
 * A watermark whose key follows the request's campaign group (policy: {@code group_keys: true}).
 * Requests that carry a flagged group ({@link dev.moat.spi.RequestView#flaggedGroup}) are marked
 * with that group's key, {@link WatermarkKey#forGroup} of the configured key (id {@code
 * KEY/GROUP}); every other request with the configured key itself. A campaign's harvest then
 * teaches a student a key that no other traffic carries: a suspect model that shows it learned from
 * that group's answers, and an attacker must estimate each group's green lists from that group's
 * share of the harvest alone.
 *
 * <p>The key is chosen once, at request start: a request whose account is flagged mid-stream keeps
 * the key it began with, so one answer never mixes two keys. Detection takes the group's key by id,
 * e.g. {@code ./moat detect --key-id KEY/g-1a2b3c4d5e6f}; {@link WatermarkKeys#get} derives it. A
 * scan over many groups' keys is a multiple test: correct it (Bonferroni) by the number of keys
 * tried.
 *
 * <p>Not combined with {@code dedup: global}, whose table of recently keyed contexts belongs to one
 * key (the policy loader refuses the combination).
 *
 * @param base the scheme and its settings, keyed by the configured key
 */
public record GroupKeyed(WatermarkSpec base) implements WatermarkSpec {
  /** Groups whose protections are kept ready; more are rebuilt at request start. */
  static final int GROUPS_CACHED = 1024;

  public GroupKeyed {
    Objects.requireNonNull(base, "base");
    if (base instanceof GroupKeyed) {
      throw new IllegalArgumentException("group keys are already on: " + base);
    }
    if (globalDedup(base)) {
      throw new IllegalArgumentException(
          "group_keys cannot be combined with dedup: global (one table of keyed contexts per key)");
    }
  }

  static boolean globalDedup(WatermarkSpec spec) {
    return (spec instanceof KgwSettings k && k.dedupHistory() > 0)
        || (spec instanceof GumbelSettings g && g.dedupHistory() > 0);
  }

  @Override
  public String scheme() {
    return base.scheme();
  }

  @Override
  public String keyId() {
    return base.keyId();
  }

  @Override
  public Protection protection(WatermarkKey key) {
    return new GroupKeyedWatermark(this, key);
  }

  /** The detector of the configured key; for a group's text, pass the group's key. */
  @Override
  public WatermarkDetector detector(WatermarkKey key) {
    return rekeyed(key.id()).detector(key);
  }

  /** The same scheme and settings under another key id. */
  WatermarkSpec rekeyed(String keyId) {
    if (base instanceof KgwSettings k) {
      return k.toBuilder().keyId(keyId).build();
    }
    if (base instanceof HfKgwSettings h) {
      return new HfKgwSettings(keyId, h.gamma(), h.delta(), h.vocabSize(), h.cacheEntries());
    }
    GumbelSettings g = (GumbelSettings) base;
    return new GumbelSettings(keyId, g.contextWidth(), g.dedupPerRequest(), g.dedupHistory());
  }

  @Override
  public String toString() {
    return base + " with group keys";
  }
}
