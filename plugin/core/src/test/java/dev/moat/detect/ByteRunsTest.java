package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ByteRuns} finds exactly what a byte-at-a-time loop finds, wherever the bytes fall. */
class ByteRunsTest {
  private static final boolean[] PLAIN = new boolean[256];

  static {
    for (int b = 0x20; b <= 0x7F; b++) {
      PLAIN[b] = b != '"' && b != '\\';
    }
  }

  /** Every byte value that ends a run, and near misses, at every offset of a word. */
  private static final int[] SPECIAL = {
    '\n', '"', '\\', 0x00, 0x1F, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF, 0x09, 0x0B
  };

  @Test
  void runsEndWhereAByteLoopEndsThem() {
    SplittableRandom r = new SplittableRandom(20261204);
    for (int trial = 0; trial < 20_000; trial++) {
      byte[] b = new byte[r.nextInt(0, 80)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) r.nextInt(0x20, 0x7F); // printable: a run's body
      }
      int specials = r.nextInt(0, 4);
      for (int k = 0; k < specials && b.length > 0; k++) {
        b[r.nextInt(b.length)] = (byte) SPECIAL[r.nextInt(SPECIAL.length)];
      }
      int from = b.length == 0 ? 0 : r.nextInt(b.length + 1);
      int to = from + r.nextInt(b.length - from + 1);
      assertEquals(newlineByLoop(b, from, to), ByteRuns.newline(b, from, to));
      assertEquals(plainByLoop(b, from, to), ByteRuns.plain(b, from, to, PLAIN));
    }
  }

  @Test
  void eachSpecialByteEndsARunAtEveryPosition() {
    for (int special : SPECIAL) {
      for (int at = 0; at < 24; at++) {
        byte[] b = new byte[24];
        java.util.Arrays.fill(b, (byte) 'a');
        b[at] = (byte) special;
        for (int from = 0; from <= at; from++) {
          assertEquals(newlineByLoop(b, from, 24), ByteRuns.newline(b, from, 24));
          assertEquals(plainByLoop(b, from, 24), ByteRuns.plain(b, from, 24, PLAIN));
        }
      }
    }
  }

  private static int newlineByLoop(byte[] b, int from, int to) {
    int i = from;
    while (i < to && b[i] != '\n') {
      i++;
    }
    return i;
  }

  private static int plainByLoop(byte[] b, int from, int to) {
    int i = from;
    while (i < to && PLAIN[b[i] & 0xFF]) {
      i++;
    }
    return i;
  }
}
