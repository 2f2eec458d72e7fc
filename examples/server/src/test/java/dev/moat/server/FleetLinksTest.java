package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code --redis}: what is refused, and that a password never reaches a message. */
class FleetLinksTest {
  @Test
  void aUserOrPasswordIsRefusedNotIgnoredAndNeverShown() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FleetLinks.connect("redis://moat:s3cret-pw@10.0.0.5:6379"));
    assertEquals(
        "`--redis` was 'redis://***@10.0.0.5:6379' but it must be redis://HOST:PORT without a user"
            + " or password (Redis AUTH is not supported: run the fleet's Redis on a private"
            + " network)",
        e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"));
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class, () -> FleetLinks.budgets("redis://:s3cret@[bad"));
    assertFalse(bad.getMessage().contains("s3cret"), bad.getMessage());
  }

  @Test
  void aDatabaseNumberOrOptionsAreRefused() {
    for (String url :
        new String[] {"redis://h:6379/2", "redis://h:6379?timeout=1", "redis://h/x"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> FleetLinks.connect(url), url);
      assertEquals(
          "`--redis` was '"
              + url
              + "' but it must be redis://HOST:PORT with no database number, path or options"
              + " (database 0 is used)",
          e.getMessage());
    }
    assertEquals(
        "`--redis` was 'http://h:1' but it must be redis://HOST:PORT",
        assertThrows(IllegalArgumentException.class, () -> FleetLinks.connect("http://h:1"))
            .getMessage());
  }

  @Test
  void redactionHidesOnlyTheUserPart() {
    assertEquals("redis://***@h:1", FleetLinks.redacted("redis://u:p@h:1"));
    assertEquals("redis://h:1", FleetLinks.redacted("redis://h:1"));
    assertEquals("no-scheme@x", FleetLinks.redacted("no-scheme@x"));
  }
}
