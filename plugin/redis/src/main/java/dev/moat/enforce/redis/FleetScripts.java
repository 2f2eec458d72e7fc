package dev.moat.enforce.redis;

/**
 * The Lua scripts of the fleet-wide stream limit, each run atomically by Redis.
 *
 * <p>Constants only.
 */
final class FleetScripts {
  private FleetScripts() {}

  // Concurrent streams: a hash per scope, a field per replica holding the slots it leased; a
  // replica's fields count only while its heartbeat key lives (a crashed replica's slots come back
  // when its heartbeat expires). A lease is taken, all or nothing, by this script.
  static final String ACQUIRE =
      """
      local total = 0
      local f = redis.call('HGETALL', KEYS[1])
      for i = 1, #f, 2 do
        if redis.call('EXISTS', ARGV[4] .. f[i]) == 1 then total = total + tonumber(f[i + 1])
        else redis.call('HDEL', KEYS[1], f[i]) end
      end
      local n = math.min(tonumber(ARGV[2]), tonumber(ARGV[3]) - total)
      if n <= 0 then return 0 end
      redis.call('HINCRBY', KEYS[1], ARGV[1], n)
      redis.call('PEXPIRE', KEYS[1], 86400000)
      return n""";

  static final String RELEASE =
      """
      local v = redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2]))
      if v <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
      return v""";
}
