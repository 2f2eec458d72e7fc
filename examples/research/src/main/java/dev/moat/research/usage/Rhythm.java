package dev.moat.research.usage;

/**
 * Relative activity in [0, 1] at an instant: the thinning acceptance for session starts.
 *
 * <p>The hourly curves are shaped after published LLM-serving and chat workloads: consumer chat
 * traffic bottoms out in the small hours (around a sixth of the peak) and peaks in the evening,
 * while API/developer traffic follows working hours and drops at weekends (Azure LLM inference
 * traces, Patel et al., "Splitwise", ISCA 2024; BurstGPT, Wang et al., 2024, which reports
 * weekday/weekend and diurnal periodicity for conversation and API traffic). The exact values are
 * ours.
 *
 * <p>Implementations are immutable and thread-safe.
 */
@FunctionalInterface
interface Rhythm {
  double at(long t);

  /** Consumer chat by local hour: evening peak, trough at 4-5 am. */
  @SuppressWarnings("MutablePublicArray") // package-private interface; never written
  double[] CHAT = {
    0.45, 0.30, 0.20, 0.14, 0.12, 0.14, 0.22, 0.38, 0.55, 0.68, 0.76, 0.80,
    0.80, 0.80, 0.78, 0.78, 0.80, 0.82, 0.86, 0.90, 0.96, 1.00, 0.90, 0.68
  };

  /** Office work by local hour: two humps around a lunch dip. */
  @SuppressWarnings("MutablePublicArray") // package-private interface; never written
  double[] WORK = {
    0.04, 0.03, 0.02, 0.02, 0.02, 0.03, 0.06, 0.15, 0.45, 0.85, 1.00, 0.95,
    0.70, 0.85, 1.00, 0.98, 0.90, 0.70, 0.40, 0.28, 0.25, 0.22, 0.15, 0.08
  };

  /** A business product used across regions: flattened working hours. */
  @SuppressWarnings("MutablePublicArray") // package-private interface; never written
  double[] BUSINESS = {
    0.35, 0.30, 0.28, 0.28, 0.30, 0.35, 0.45, 0.60, 0.80, 0.95, 1.00, 1.00,
    0.95, 0.95, 1.00, 1.00, 0.95, 0.85, 0.70, 0.60, 0.52, 0.46, 0.42, 0.38
  };

  static Rhythm flat(double level) {
    return t -> level;
  }

  /**
   * An hourly curve (linearly interpolated) in a time zone, scaled by {@code weekend} on local
   * Saturdays and Sundays.
   */
  static Rhythm daily(double[] hourly, int tzMinutes, double weekend) {
    if (hourly.length != 24) {
      throw new IllegalArgumentException("hourly curve has " + hourly.length + " values, not 24");
    }
    return t -> {
      long local = t + tzMinutes * Dist.MINUTE;
      long day = Math.floorDiv(local, Dist.DAY);
      double h = (local - day * Dist.DAY) / (double) Dist.HOUR;
      int i = (int) h;
      double f = h - i;
      double v = hourly[i] * (1 - f) + hourly[(i + 1) % 24] * f;
      int dow = Math.floorMod(day + 4, 7); // 1970-01-01 was a Thursday; 0 = Sunday
      return dow == 0 || dow == 6 ? v * weekend : v;
    };
  }

  /** Day of week (0 = Sunday) of an instant in a time zone. */
  static int dayOfWeek(long t, int tzMinutes) {
    return Math.floorMod(Math.floorDiv(t + tzMinutes * Dist.MINUTE, Dist.DAY) + 4, 7);
  }

  /** This rhythm inside [from, until), zero outside. */
  default Rhythm within(long from, long until) {
    return t -> t >= from && t < until ? at(t) : 0;
  }

  /** This rhythm lifted by a floor: {@code floor + (1 - floor) * at(t)}. */
  default Rhythm floor(double floor) {
    return t -> floor + (1 - floor) * at(t);
  }
}
