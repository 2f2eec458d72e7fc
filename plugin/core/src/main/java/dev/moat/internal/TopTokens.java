package dev.moat.internal;

/**
 * Finds the tokens near the top of a logits row without sorting or exponentiating the row: one
 * vector scan for the maximum (which also writes a summary of group maxima), then scans of the
 * summary that gather every token within a gap of the maximum. Used by the sampler (top-k, the
 * exponential race) and by self-hash KGW (its candidates).
 *
 * <p>Not thread-safe: one instance per request; its scratch is allocated once, in the constructor.
 */
public final class TopTokens {
  private static final Kernels KERNELS = Kernels.get();

  private final int vocab;
  private final int[] ids;
  private final RowSummary row;
  private final float[] summary;
  private float max;
  private float cut;

  /** The gap {@link #gatherTopGroups} settled on last time: where its next search starts. */
  private float topGap = 1f;

  /**
   * @param ids scratch of at least {@code vocab} ints that receives gathered token ids; the caller
   *     may share it with other per-request work that does not overlap a gather
   */
  public TopTokens(int vocab, int[] ids) {
    this(vocab, ids, new RowSummary(vocab));
  }

  /**
   * @param ids as above
   * @param row where the pass before a scan may have published the row's maximum and summary
   *     ({@link #scanMax} then reads them instead of the row); this instance's summary storage
   */
  public TopTokens(int vocab, int[] ids, RowSummary row) {
    if (ids.length < vocab) {
      throw new IllegalArgumentException("ids holds " + ids.length + " ints, needs " + vocab);
    }
    if (row.groups().length != KERNELS.summaryLength(vocab)) {
      throw new IllegalArgumentException(
          "row summary holds "
              + row.groups().length
              + " groups, a row of "
              + vocab
              + " needs "
              + KERNELS.summaryLength(vocab));
    }
    this.vocab = vocab;
    this.ids = ids;
    this.row = row;
    this.summary = row.groups();
  }

  /**
   * The maximum of {@code logits[offset .. offset + vocab)}; required before {@link #gather}. Taken
   * from the {@link RowSummary} if the pass that wrote the row published it, else scanned; the scan
   * also checks the row ({@link Kernels#maxChecked}, one pass) unless that pass checked it ({@link
   * RowSummary#checked}).
   *
   * @throws IllegalArgumentException naming the first NaN or +Infinity, if the row has one (a host
   *     that samples through Moat's sampler without Moat's row check)
   */
  public float scanMax(float[] logits, int offset) {
    RowSummary r = row;
    if (r.fresh()) {
      max = r.take();
    } else if (r.checked()) {
      max = KERNELS.max(logits, offset, vocab, summary);
    } else {
      max = KERNELS.maxChecked(logits, offset, vocab, summary);
      if (Float.isNaN(max)) { // the row holds a NaN or +Infinity
        throw nonFinite(logits, offset);
      }
    }
    return max;
  }

  private IllegalArgumentException nonFinite(float[] logits, int offset) {
    int bad = Logits.firstInvalid(logits, offset, vocab);
    return new IllegalArgumentException(Messages.nonFiniteLogit(bad, logits[offset + bad]));
  }

  /**
   * Index of the largest value in the row, the lowest index on ties. A row the pass that wrote it
   * checked ({@link RowSummary#checked}) takes {@link Kernels#argMax} (on the scalar kernels one
   * pass, three times faster than a scan and a gather); any other first {@link #scanMax}, which
   * rejects a row with NaN or +Infinity, then the first entry at the maximum.
   */
  public int argMax(float[] logits, int offset) {
    RowSummary r = row;
    if (r.checked() && !r.fresh()) {
      return KERNELS.argMax(logits, offset, vocab, summary, ids);
    }
    scanMax(logits, offset);
    KERNELS.collectAtLeast(logits, offset, vocab, summary, max, 0, ids);
    return ids[0]; // the first entry at the maximum: collected in increasing order
  }

  /**
   * Writes every id whose logit is at least {@code cut} to {@link #ids}, in increasing order, and
   * returns how many. Needs {@link #scanMax} first.
   */
  public int collect(float[] logits, int offset, float cut) {
    this.cut = cut;
    return KERNELS.collectAtLeast(logits, offset, vocab, summary, cut, vocab, ids);
  }

  /**
   * The row's summary as {@link #scanMax} left it: entry {@code g} is the maximum of the row's
   * entries {@code [g · summaryGroup(), (g + 1) · summaryGroup())}. Read-only for callers.
   */
  public float[] summary() {
    return summary;
  }

  /** Entries per summary entry ({@link Kernels#summaryGroup}). */
  public int summaryGroup() {
    return KERNELS.summaryGroup();
  }

  /** The gathered ids, in increasing order, in the first {@link #gather} entries. */
  public int[] ids() {
    return ids;
  }

  /** The cut of the last {@link #gather}: every token at or above it was gathered. */
  public float cut() {
    return cut;
  }

  /**
   * Gathers every token whose logit is at least {@code cut = max - gap}, for a gap such that
   * between {@code min} and {@code cap} of them are in, and returns how many. The gap starts at
   * {@code startGap} and is doubled or bisected; each try counts the group maxima that reach the
   * cut (no branch), and reads the groups only if there are at most {@code cap} of them: a cut that
   * more than {@code cap} groups reach is too low whatever their entries (with the read first, a
   * harness measured 8-27 us a gather at 128,256, against 5.6-11 us now). A read whose cut is too
   * low stops as soon as it passes {@code cap}. When even {@code floor} gives fewer than {@code
   * min}, the cut is the floor and every token at or above it is in. When no gap gives at most
   * {@code cap} (mass ties), the narrowest gap tried is taken whatever the count.
   */
  public int gather(float[] logits, int offset, float floor, float startGap, int min, int cap) {
    Kernels k = KERNELS;
    float under = 0f; // widest gap known to give fewer than min
    float over = Float.POSITIVE_INFINITY; // narrowest gap known to give more than cap
    float gap = startGap;
    for (int attempt = 0; attempt < 16; attempt++) {
      float c = max - gap;
      if (!(c > floor)) {
        cut = floor;
        return k.collectAtLeast(logits, offset, vocab, summary, floor, vocab, ids);
      }
      // More groups than cap reaching the cut means more entries too: no need to read them.
      int m =
          k.countAtLeast(summary, summary.length, c) > cap
              ? cap + 1
              : k.collectAtLeast(logits, offset, vocab, summary, c, cap, ids);
      if (m > cap) {
        over = gap;
        gap = (under + gap) / 2;
      } else if (m < min) {
        under = gap;
        gap = over == Float.POSITIVE_INFINITY ? 2 * gap : (gap + over) / 2;
      } else {
        cut = c;
        return m;
      }
    }
    cut = over == Float.POSITIVE_INFINITY ? floor : Math.max(floor, max - over);
    return k.collectAtLeast(logits, offset, vocab, summary, cut, vocab, ids);
  }

  /**
   * Gathers a superset of the {@code k} largest entries in one scan of the row: the cut is a value
   * that at least {@code k} group maxima of the summary reach (each an entry of its own, so at
   * least k entries reach it, and every one of the k largest does), chosen so that at most about
   * {@code k + k/4} groups do; every entry at or above it, whatever the group, is gathered, and
   * only the groups that reach it are read entry by entry. Returns how many were gathered (at least
   * k), or 0 when the summary has fewer than k groups or no such cut is above {@code floor}; then
   * nothing is promised. Needs {@link #scanMax} first.
   *
   * <p>The cut is found by counting, not selecting: each try counts the group maxima at or above
   * {@code max - gap} without a branch ({@link Kernels#countAtLeast}), and the gap is doubled or
   * bisected, starting from the gap this instance settled on last time (the rows of one request are
   * alike). A quickselect of the k-th largest group maximum, as before, spent 13-17 us a row of
   * 128,256 in a harness (its data-dependent branches the likely cause; not counted).
   */
  public int gatherTopGroups(float[] logits, int offset, float floor, int k) {
    int groups = summary.length;
    if (groups < k) {
      return 0;
    }
    int cap = k + Math.max(8, k / 4);
    float under = 0f; // widest gap known to give fewer than k groups
    float over = Float.POSITIVE_INFINITY; // narrowest gap known to give more than cap
    float valid = Float.POSITIVE_INFINITY; // narrowest gap known to give at least k
    float gap = topGap;
    for (int attempt = 0; attempt < 24; attempt++) {
      float c = max - gap;
      if (!(c > floor)) {
        break; // wider gaps reach below the floor too
      }
      int n = KERNELS.countAtLeast(summary, groups, c);
      if (n < k) {
        under = gap;
        gap = over == Float.POSITIVE_INFINITY ? 2 * gap : (gap + over) / 2;
      } else {
        valid = gap;
        if (n <= cap) {
          break;
        }
        over = gap;
        gap = (under + gap) / 2;
      }
    }
    if (valid == Float.POSITIVE_INFINITY) {
      topGap = 1f; // the next row starts afresh
      return 0;
    }
    // Kept at least 2^-10, so that after a nearly flat row the next search still reaches a gap of
    // CUTOFF (40) by doubling within its tries.
    topGap = Math.max(valid, 0x1p-10f);
    cut = max - valid;
    return KERNELS.collectAtLeast(logits, offset, vocab, summary, cut, vocab, ids);
  }

  /**
   * The {@code k} largest entries of the row (ties: the lower id first), written to the first
   * entries of {@link #ids()} in increasing id order; returns how many (fewer than {@code k} only
   * if fewer tokens are above -Infinity). Scans the row ({@link #scanMax} is called here).
   *
   * @param select scratch of at least {@code vocab} floats
   */
  public int top(float[] logits, int offset, int k, float[] select) {
    scanMax(logits, offset);
    int m = gather(logits, offset, -Float.MAX_VALUE, 1f, k, Math.max(4 * k, 256));
    if (m <= k) {
      return m;
    }
    for (int j = 0; j < m; j++) {
      select[j] = logits[offset + ids[j]];
    }
    float kth = kthLargest(select, m, k);
    int above = 0;
    for (int j = 0; j < m; j++) {
      if (logits[offset + ids[j]] > kth) {
        above++;
      }
    }
    int tiesLeft = k - above;
    int n = 0;
    for (int j = 0; j < m; j++) {
      int id = ids[j];
      float l = logits[offset + id];
      if (l > kth || (l == kth && tiesLeft-- > 0)) {
        ids[n++] = id; // n <= j: overwrites only entries already read
      }
    }
    return n;
  }

  /** The k-th largest value (1-based) of {@code a[0..n)}, by quickselect; reorders {@code a}. */
  public static float kthLargest(float[] a, int n, int k) {
    int target = k - 1;
    int lo = 0;
    int hi = n - 1;
    while (lo < hi) {
      // Median of three for a pivot; descending partition.
      int mid = (lo + hi) >>> 1;
      float pivot = median(a[lo], a[mid], a[hi]);
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] > pivot) {
          i++;
        }
        while (a[j] < pivot) {
          j--;
        }
        if (i <= j) {
          float t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      if (target <= j) {
        hi = j;
      } else if (target >= i) {
        lo = i;
      } else {
        return a[target];
      }
    }
    return a[target];
  }

  private static float median(float a, float b, float c) {
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
}
