package dev.moat.research.usage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Calendar placement of group events (a class, a hackathon) inside a world's time span, with a
 * fallback when the span is too short to hold the preferred day.
 *
 * <p>Stateless; thread-safe.
 */
final class Groups {
  private Groups() {}

  /**
   * A start time on a local weekday between {@code fromHour} and {@code toHour} such that {@code
   * length} fits in the span; any day if no weekday fits; anywhere if no day fits.
   */
  static long weekdaySlot(
      World w, int tz, int fromHour, int toHour, long length, SplittableRandom r) {
    for (boolean weekdaysOnly : new boolean[] {true, false}) {
      List<long[]> slots = new ArrayList<>();
      for (long day = World.localMidnight(w.start, tz); day < w.end; day += Dist.DAY) {
        int dow = Rhythm.dayOfWeek(day + 12 * Dist.HOUR, tz);
        if (weekdaysOnly && (dow == 0 || dow == 6)) {
          continue;
        }
        long lo = Math.max(day + fromHour * Dist.HOUR, w.start);
        long hi = Math.min(day + toHour * Dist.HOUR, w.end - length);
        if (hi > lo) {
          slots.add(new long[] {lo, hi});
        }
      }
      if (!slots.isEmpty()) {
        long[] s = Dist.pick(r, slots);
        return s[0] + (long) (r.nextDouble() * (s[1] - s[0]));
      }
    }
    return w.start + (long) (r.nextDouble() * Math.max(1, w.end - w.start - length));
  }

  /**
   * A weekend event {from, length}: from a local Saturday morning for 30 to 40 hours; if the span
   * holds no such weekend, a window of up to 36 hours inside it.
   */
  static long[] weekend(World w, int tz, SplittableRandom r) {
    long length = Math.round(Dist.uniform(r, 30, 40) * Dist.HOUR);
    for (long day = World.localMidnight(w.start, tz); day < w.end; day += Dist.DAY) {
      long from = day + 9 * Dist.HOUR;
      if (Rhythm.dayOfWeek(day + 12 * Dist.HOUR, tz) == 6
          && from >= w.start
          && from + 24 * Dist.HOUR <= w.end) {
        return new long[] {from, Math.min(length, w.end - from)};
      }
    }
    long span = w.end - w.start;
    long len = Math.min(36 * Dist.HOUR, span / 2);
    return new long[] {w.start + (long) (Dist.uniform(r, 0.1, 0.4) * span), len};
  }
}
