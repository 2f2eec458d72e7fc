/**
 * Fleet-wide budgets in Redis ({@link dev.moat.enforce.redis.RedisFleetLimiter}), through
 * Bucket4j's Jedis integration. Needs the optional {@code redis.clients:jedis} and {@code
 * com.bucket4j:bucket4j_jdk17-jedis} dependencies on the class path.
 */
@NullMarked
package dev.moat.enforce.redis;

import org.jspecify.annotations.NullMarked;
