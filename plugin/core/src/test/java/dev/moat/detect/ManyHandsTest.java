package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The deployment's gate on many hands ({@link ManyHands}): a signal only where it is rare. */
class ManyHandsTest {
  /** An account that has sent {@code settings} distinct settings, one request each. */
  static Activity sent(int settings) {
    Activity a = new Activity();
    for (int i = 0; i < settings; i++) {
      a.record(i * 60_000L, -1, null, Activity.setting(i, 1024, 0.7));
    }
    return a;
  }

  @Test
  void manyHandsCountWhereTheyAreRareAndNotBeforeTheDeploymentIsKnown() {
    ManyHands gate = new ManyHands();
    Activity relay = sent(40);
    Activity person = sent(2);
    assertTrue(relay.manyHands());
    gate.add(relay, 1);
    assertFalse(gate.counts(relay, ManyHands.MIN_ACCOUNTS - 1), "before 200 accounts");
    assertTrue(gate.counts(relay, ManyHands.MIN_ACCOUNTS));
    assertFalse(gate.counts(person, 10_000), "one person's two settings");
    // 2% of the accounts held: still rare; one more, and many hands say nothing about anyone.
    for (int i = 1; i < 20; i++) {
      gate.count(true);
    }
    assertTrue(gate.counts(relay, 1_000));
    gate.count(true);
    assertFalse(gate.counts(relay, 1_000), "21 of 1,000 accounts");
    gate.add(relay, -1); // evicted
    assertTrue(gate.counts(relay, 1_000));
  }

  @Test
  void recordSaysWhenAnAccountsSettingsReachManyHands() {
    Activity a = new Activity();
    int became = 0;
    int at = -1;
    for (int i = 0; i < 200; i++) {
      boolean now = a.record(i * 60_000L, -1, null, Activity.setting(i, 0, -1));
      if (now) {
        became++;
        at = i;
      }
    }
    assertTrue(became == 1 && at >= Activity.MANY_HANDS - 1, "became " + became + " at " + at);
  }
}
