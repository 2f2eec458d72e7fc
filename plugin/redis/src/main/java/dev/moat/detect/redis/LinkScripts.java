package dev.moat.detect.redis;

import static dev.moat.detect.LinkStore.FLAGGED;
import static dev.moat.detect.LinkStore.WORDS;

/**
 * What {@link RedisLinkStore} and Redis exchange: the Lua scripts it runs (each atomically) and the
 * decoding of a bucket's bits as Redis returns them.
 *
 * <p>Constants and a stateless function: thread-safe.
 */
final class LinkScripts {
  private LinkScripts() {}

  // KEYS: bucket keys. ARGV: ttl seconds, then the bit offsets to set in every bucket.
  static final String RECORD =
      """
      local out = {}
      for i, k in ipairs(KEYS) do
        for j = 2, #ARGV do redis.call('SETBIT', k, tonumber(ARGV[j]), 1) end
        redis.call('EXPIRE', k, ARGV[1])
        out[i] = redis.call('GET', k)
      end
      return out""";

  // KEYS: bucket keys, then their sample lists. ARGV: bit, account, ttl seconds, samples kept.
  static final String FLAG =
      "local n = #KEYS / 2; local bit = "
          + 64 * FLAGGED
          + " + tonumber(ARGV[1])\n"
          + "for i = 1, n do\n"
          + "  if redis.call('SETBIT', KEYS[i], bit, 1) == 0 then\n"
          + "    local s = KEYS[n + i]\n"
          + "    if redis.call('LLEN', s) < tonumber(ARGV[4]) then redis.call('RPUSH', s, ARGV[2]) end\n"
          + "    redis.call('EXPIRE', s, ARGV[3])\n"
          + "  end\n"
          + "end\n"
          + "return n";

  // KEYS: the account's mark. ARGV: the mark's line, 1 if a flag, its time, guard ms, ttl ms.
  // A flag does not replace a clearing less than the guard older than it (LinkStore.replaces).
  static final String MARK =
      """
      local cur = redis.call('GET', KEYS[1])
      if cur and ARGV[2] == '1' and string.sub(cur, 1, 2) == 'C|' then
        local at = tonumber(string.match(cur, '^C|[^|]*|([^|]*)|'))
        if at and tonumber(ARGV[3]) - at < tonumber(ARGV[4]) then return 0 end
      end
      redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[5])
      return 1""";

  // KEYS: the account's watch. ARGV: when its evidence was last seen, ttl ms. A later time
  // replaces an earlier one, whichever replica writes last.
  static final String WATCH =
      """
      local cur = tonumber(redis.call('GET', KEYS[1]))
      if cur and cur >= tonumber(ARGV[1]) then return 0 end
      redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
      return 1""";

  /** Redis bit offsets count from the first byte's most significant bit. */
  static void decode(byte[] value, long[] out, int at) {
    if (value == null) {
      return;
    }
    int bytes = Math.min(value.length, WORDS * 8);
    for (int i = 0; i < bytes; i++) {
      int v = value[i] & 0xFF;
      if (v == 0) {
        continue;
      }
      for (int j = 0; j < 8; j++) {
        if ((v & (0x80 >>> j)) != 0) {
          int offset = i * 8 + j; // set = offset / 256, bit within it = offset % 256
          int word = offset >>> 6;
          out[at + word] |= 1L << (offset & 63);
        }
      }
    }
  }
}
