package dev.moat.detect;

/**
 * The trace format's timestamps, parsed without allocation in the common shape ({@code
 * 2026-04-22T03:14:15.926Z}); {@link TraceReader} falls back to {@code java.time} for any other RFC
 * 3339 form.
 *
 * <p>Stateless and thread-safe.
 */
final class TraceTime {
  private TraceTime() {}

  /**
   * {@code YYYY-MM-DDTHH:MM:SS[.fraction]Z}, the form nearly every trace uses, parsed without the
   * java.time machinery (which costs more than the rest of a line); anything else returns
   * Long.MIN_VALUE and goes to the full RFC 3339 parser, offsets included. RFC 3339 (section 5.6)
   * lets the {@code T} be a space or lower case and the {@code Z} lower case; all are read here.
   */
  static long fastUtc(String t) {
    int n = t.length();
    if (n < 20
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || (t.charAt(10) != 'T' && t.charAt(10) != 't' && t.charAt(10) != ' ')
        || t.charAt(13) != ':'
        || t.charAt(16) != ':'
        || (t.charAt(n - 1) != 'Z' && t.charAt(n - 1) != 'z')) {
      return Long.MIN_VALUE;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 2);
    int day = digits(t, 8, 2);
    int hour = digits(t, 11, 2);
    int minute = digits(t, 14, 2);
    int second = digits(t, 17, 2);
    int millis = 0;
    if (n > 20) {
      if (t.charAt(19) != '.' || n == 21) {
        return Long.MIN_VALUE;
      }
      int scale = 100;
      for (int i = 20; i < n - 1; i++) {
        int d = t.charAt(i) - '0';
        if (d < 0 || d > 9) {
          return Long.MIN_VALUE;
        }
        millis += d * scale;
        scale /= 10;
      }
    } else if (t.charAt(19) != 'Z' && t.charAt(19) != 'z') {
      return Long.MIN_VALUE;
    }
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || day > daysInMonth(year, month)
        || hour > 23
        || minute > 59
        || second > 59) {
      return Long.MIN_VALUE; // leap seconds and errors: the full parser decides
    }
    long days = epochDay(year, month, day);
    return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
  }

  /**
   * Any RFC 3339 date-time ({@link #fastUtc}'s shape, or with an offset such as {@code +02:00}),
   * with the same readings of {@code T} and {@code Z}; with {@code dateOnly}, also an RFC 3339
   * full-date ({@code 2026-04-01}, read as its midnight UTC). Long.MIN_VALUE if it is neither.
   */
  static long parse(String text, boolean dateOnly) {
    long fast = fastUtc(text);
    if (fast != Long.MIN_VALUE) {
      return fast;
    }
    if (dateOnly && text.length() == 10 && text.charAt(4) == '-' && text.charAt(7) == '-') {
      int year = digits(text, 0, 4);
      int month = digits(text, 5, 2);
      int day = digits(text, 8, 2);
      if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)) {
        return epochDay(year, month, day) * 86_400_000L;
      }
      return Long.MIN_VALUE;
    }
    String t = text;
    if (t.length() > 10 && (t.charAt(10) == ' ' || t.charAt(10) == 't')) {
      t = t.substring(0, 10) + 'T' + t.substring(11);
    }
    if (t.endsWith("z")) {
      t = t.substring(0, t.length() - 1) + 'Z';
    }
    try {
      return java.time.OffsetDateTime.parse(t).toInstant().toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      return Long.MIN_VALUE;
    }
  }

  private static int daysInMonth(int year, int month) {
    if (month == 2) {
      boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
      return leap ? 29 : 28;
    }
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
  static long epochDay(int year, int month, int day) {
    long y = month <= 2 ? year - 1 : year;
    long era = Math.floorDiv(y, 400);
    long yoe = y - era * 400;
    long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }

  private static int digits(String t, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      int d = t.charAt(i) - '0';
      if (d < 0 || d > 9) {
        return -1_000_000;
      }
      v = v * 10 + d;
    }
    return v;
  }
}
