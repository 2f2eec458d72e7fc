package dev.moat.detect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.detect.LinkStore;
import dev.moat.detect.LinkStoreContractAccess;
import dev.moat.detect.LocalLinkStore;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real redis-server started by the test. */
class RedisLinkStoreTest {
  private static RedisServer server;

  @BeforeAll
  static void start() throws Exception {
    server = RedisServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static RedisLinkStore store(String prefix) {
    return RedisLinkStore.builder().address("127.0.0.1", server.port()).prefix(prefix).build();
  }

  @Test
  void meetsTheContract() {
    try (RedisLinkStore s = store("contract:")) {
      assertTrue(s.connected());
      LinkStoreContractAccess.check(s);
    }
    try (RedisLinkStore s = store("contract-pins:")) {
      LinkStoreContractAccess.checkPins(s);
    }
    try (RedisLinkStore s = store("contract-watches:")) {
      LinkStoreContractAccess.checkWatches(s);
    }
  }

  /** Two replicas, two clients, one Redis: each sees the other's accounts and flags. */
  @Test
  void replicasShareOneView() {
    try (RedisLinkStore a = store("fleet:");
        RedisLinkStore b = store("fleet:")) {
      long[] keys = {77L};
      long[] out = new long[LinkStore.WORDS];
      a.record(3, true, false, keys, 1, out);
      a.flag("acct-a", 3, keys, 1);
      b.record(200, false, true, keys, 1, out);
      assertEquals(2, Long.bitCount(out[0]) + Long.bitCount(out[3]), "accounts 3 and 200");
      assertEquals(1L << 3, out[LinkStore.FLAGGED], "flagged by the other replica");
      assertEquals(java.util.List.of("acct-a"), b.linkedAccounts(77L, 4));
    }
  }

  /**
   * Fail-open: with Redis gone, calls are answered locally; when it is back, Redis is used again.
   */
  @Test
  void failsOpenToLocalStateAndRecovers() throws Exception {
    LocalLinkStore local = LocalLinkStore.standard();
    try (RedisServer own = RedisServer.start();
        RedisLinkStore s =
            RedisLinkStore.builder()
                .address("127.0.0.1", own.port())
                .timeout(Duration.ofMillis(200))
                .retryAfter(Duration.ZERO)
                .fallback(local)
                .build()) {
      long[] keys = {5L};
      long[] out = new long[LinkStore.WORDS];
      s.record(1, false, false, keys, 1, out);
      assertEquals(2L, out[0]);
      own.stop();
      s.record(2, false, false, keys, 1, out); // answered by the fallback: nothing thrown
      assertEquals(4L, out[0], "the local store saw only this call");
      own.restart(); // an empty Redis on the same port: scripts must be loaded again
      s.record(9, false, false, keys, 1, out);
      assertEquals(1L << 9, out[0], "back on Redis (emptied by the restart)");
      s.flag("x", 9, keys, 1);
      assertEquals(java.util.List.of("x"), s.linkedAccounts(5L, 4));
    }
  }

  @Test
  void decodesRedisBitOrder() {
    long[] out = new long[LinkStore.WORDS];
    byte[] v = new byte[128];
    v[0] = (byte) 0x80; // offset 0: accounts, bit 0
    v[32] = 0x01; // offset 263: established, bit 7
    v[127] = 0x01; // offset 1023: flagged, bit 255
    LinkScripts.decode(v, out, 0);
    assertEquals(1L, out[LinkStore.ACCOUNTS]);
    assertEquals(1L << 7, out[LinkStore.ESTABLISHED]);
    assertEquals(1L << 63, out[LinkStore.FLAGGED + 3]);
  }
}
