package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** What every {@link LinkStore} must do; each implementation's test runs it on a real store. */
public final class LinkStoreContract {
  private LinkStoreContract() {}

  static long bits(long[] out, int bucket, int set) {
    long n = 0;
    for (int w = 0; w < LinkStore.SET; w++) {
      n += Long.bitCount(out[bucket * LinkStore.WORDS + set + w]);
    }
    return n;
  }

  /** Records, sets and flags behave as the interface says, for any store. */
  public static void check(LinkStore store) {
    long[] keys = {0x1111L, 0x2222L, 0x3333L};
    long[] out = new long[keys.length * LinkStore.WORDS];
    // 40 accounts in bucket 0 (20 young, 10 established), 1 in bucket 1, bucket 2 untouched.
    int distinct = 0;
    boolean[] seen = new boolean[256];
    for (int a = 0; a < 40; a++) {
      int bit = LinkStore.bitOf("acct-" + a);
      distinct += seen[bit] ? 0 : 1;
      seen[bit] = true;
      store.record(bit, a < 20, a >= 30, keys, 1, out);
    }
    store.record(LinkStore.bitOf("loner"), false, false, new long[] {keys[1]}, 1, out);
    store.record(LinkStore.bitOf("acct-0"), true, false, keys, 2, out);
    assertEquals(distinct, bits(out, 0, LinkStore.ACCOUNTS));
    assertTrue(bits(out, 0, LinkStore.YOUNG) <= 20 && bits(out, 0, LinkStore.YOUNG) >= 15);
    assertTrue(
        bits(out, 0, LinkStore.ESTABLISHED) <= 10 && bits(out, 0, LinkStore.ESTABLISHED) >= 7);
    assertEquals(0, bits(out, 0, LinkStore.FLAGGED));
    assertEquals(2, bits(out, 1, LinkStore.ACCOUNTS), "loner and acct-0");
    double est = LinkStore.estimate(out, LinkStore.ACCOUNTS);
    assertEquals(40, est, 6, "linear counting over 256 bits, 40 accounts");

    // Flags: the flagged set, and samples (oldest first, at most 4, no repeats).
    for (int a = 0; a < 6; a++) {
      store.flag("acct-" + a, LinkStore.bitOf("acct-" + a), keys, 1);
      store.flag("acct-" + a, LinkStore.bitOf("acct-" + a), keys, 1);
    }
    store.record(LinkStore.bitOf("acct-0"), false, false, keys, 3, out);
    assertTrue(bits(out, 0, LinkStore.FLAGGED) >= 5);
    assertEquals(0, bits(out, 2, LinkStore.FLAGGED));
    assertEquals(1, bits(out, 2, LinkStore.ACCOUNTS));
    List<String> linked = store.linkedAccounts(keys[0], 8);
    assertEquals(4, linked.size(), linked.toString());
    assertEquals("acct-0", linked.get(0));
    assertEquals(List.of("acct-0", "acct-1"), store.linkedAccounts(keys[0], 2));
    assertEquals(List.of(), store.linkedAccounts(keys[2], 8));
    assertEquals(List.of(), store.linkedAccounts(0x9999L, 8));
  }

  /**
   * Pins are kept apart from flags and clearings, read with them in one mark, replaced and removed
   * without touching them.
   */
  public static void checkPins(LinkStore store) {
    long day = 86_400_000L;
    AccountMark flag = AccountMark.flag(1_000, 2_000, "g-1", "coordinated");
    AccountPin pin = new AccountPin(Suspicion.NONE, 3_000, 3_000 + day, "partner | load test");
    assertTrue(store.pin("pinned-only", pin));
    assertEquals(AccountMark.of(null, pin), store.mark("pinned-only"));
    assertEquals(Long.MIN_VALUE, store.mark("pinned-only").at(), "a clearing of nothing");
    assertTrue(store.mark("acct", flag, day));
    assertTrue(store.pin("acct", pin));
    assertEquals(AccountMark.of(flag, pin), store.mark("acct"));
    // A clearing replaces the flag and keeps the pin; a new pin replaces the pin only.
    AccountMark cleared = AccountMark.cleared(4_000, "false positive");
    assertTrue(store.mark("acct", cleared, day));
    assertEquals(AccountMark.of(cleared, pin), store.mark("acct"));
    AccountPin flagPin = new AccountPin(Suspicion.FLAG, 5_000, 5_000 + day, "resold");
    assertTrue(store.pin("acct", flagPin));
    assertEquals(AccountMark.of(cleared, flagPin), store.mark("acct"));
    assertTrue(store.pin("acct", null));
    assertEquals(cleared, store.mark("acct"));
    assertTrue(store.pin("pinned-only", null));
    assertEquals(null, store.mark("pinned-only"));
  }

  /**
   * Watches are kept apart from flags, clearings and pins, read with them in one mark, and a later
   * time replaces an earlier one, never the reverse.
   */
  public static void checkWatches(LinkStore store) {
    long day = 86_400_000L;
    assertTrue(store.watch("watched-only", 7_000, day));
    assertEquals(AccountMark.of(null, null, 7_000), store.mark("watched-only"));
    assertTrue(store.watch("watched-only", 6_000, day)); // older evidence: kept 7,000
    assertEquals(7_000, store.mark("watched-only").watchedAt());
    assertTrue(store.watch("watched-only", 9_000, day));
    assertEquals(9_000, store.mark("watched-only").watchedAt());
    AccountMark cleared = AccountMark.cleared(10_000, "false positive");
    assertTrue(store.mark("watched-only", cleared, day));
    assertEquals(AccountMark.of(cleared, null, 9_000), store.mark("watched-only"));
    assertEquals(cleared, store.mark("watched-only").withoutPin());
  }
}
