package dev.moat.watermark;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.moat.key.WatermarkKey;
import dev.moat.spi.Protection;
import dev.moat.spi.RequestProtection;
import dev.moat.spi.RequestView;

/**
 * The protection of a {@link GroupKeyed} watermark: at request start, the protection of the
 * request's flagged group (built once per group and kept in a bounded cache), or of the configured
 * key. The per-request state is the scheme's own, so the per-token path is exactly that scheme's.
 *
 * <p>Immutable and thread-safe (the cache is Caffeine's).
 */
final class GroupKeyedWatermark extends WatermarkProtection {
  private final GroupKeyed spec;
  private final Protection plain;
  private final LoadingCache<String, Protection> groups;

  GroupKeyedWatermark(GroupKeyed spec, WatermarkKey key) {
    this.spec = spec;
    this.plain = spec.rekeyed(key.id()).protection(key);
    this.groups =
        Caffeine.newBuilder()
            .maximumSize(GroupKeyed.GROUPS_CACHED)
            .build(
                group -> {
                  WatermarkKey k = key.forGroup(group);
                  return spec.rekeyed(k.id()).protection(k);
                });
  }

  @Override
  public RequestProtection begin(RequestView request) {
    String group = request.flaggedGroup();
    return (group == null || group.isEmpty() ? plain : groups.get(group)).begin(request);
  }

  @Override
  public String describe() {
    return spec.toString();
  }
}
