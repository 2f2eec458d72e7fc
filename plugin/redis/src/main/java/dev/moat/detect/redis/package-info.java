/**
 * Fleet-wide linking state in Redis ({@link dev.moat.detect.redis.RedisLinkStore}). Needs the
 * optional {@code redis.clients:jedis} dependency on the class path.
 */
@NullMarked
package dev.moat.detect.redis;

import org.jspecify.annotations.NullMarked;
