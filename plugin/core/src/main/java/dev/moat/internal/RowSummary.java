package dev.moat.internal;

/**
 * A row's maximum and its summary of group maxima ({@link Kernels#max(float[], int, int,
 * float[])}'s), left by the pass that last wrote the row for the sampler that reads it next, so
 * that the sampler does not read the whole row again for them: one request's, handed from Moat's
 * pipeline to its sampler. The pass {@link #publish}es; the sampler {@link #take}s, once; whatever
 * edits the row between the two must {@link #repair} or {@link #clear}. A sampler that finds
 * nothing published scans the row itself, so a summary never published costs nothing but that scan;
 * the scan checks the row too (no NaN, no +Infinity) unless the pass {@link #markChecked} it.
 *
 * <p>Not thread-safe: per request. Allocation-free after construction.
 */
public final class RowSummary {
  private static final Kernels KERNELS = Kernels.get();

  private final float[] groups;
  private float max;
  private boolean fresh;
  private boolean checked;
  private long published;

  /** For rows of {@code vocab} entries: {@link Kernels#summaryLength} floats. */
  public RowSummary(int vocab) {
    this.groups = new float[KERNELS.summaryLength(vocab)];
  }

  /** The summary's storage: the pass writes it, the sampler's scans read it. */
  public float[] groups() {
    return groups;
  }

  /** The pass has written {@link #groups} for the row it leaves, whose maximum is {@code max}. */
  public void publish(float max) {
    this.max = max;
    this.fresh = true;
    this.checked = true;
    published++;
  }

  /** How many rows' summaries were published here (tests, diagnostics). */
  public long published() {
    return published;
  }

  /** Nothing is published: the next reader scans the row, and checks it. */
  public void clear() {
    fresh = false;
    checked = false;
  }

  /**
   * The row as it is now holds no NaN or +Infinity (the pass that wrote it checked it) though
   * nothing is published: a reader scans the row without checking it again.
   */
  public void markChecked() {
    checked = true;
  }

  /** Whether the row as it is now was checked ({@link #markChecked}, or published). */
  public boolean checked() {
    return checked || fresh;
  }

  /** Whether a summary is published for the row as it is now. */
  public boolean fresh() {
    return fresh;
  }

  /**
   * The published maximum, which it un-publishes (a second reader of the row scans it).
   *
   * @throws IllegalStateException if nothing is published
   */
  public float take() {
    if (!fresh) {
      throw new IllegalStateException("no row summary is published");
    }
    fresh = false;
    return max;
  }

  /**
   * After the entries {@code tokens} of the published row were rewritten: their groups' maxima, and
   * the row's, taken again from the row (a group's maximum can fall as well as rise). A no-op when
   * nothing is published.
   */
  public void repair(float[] logits, int offset, int vocab, int[] tokens) {
    if (!fresh || tokens.length == 0) {
      return;
    }
    int size = KERNELS.summaryGroup();
    int n = groups.length;
    for (int v : tokens) {
      int g = v / size;
      if (g < n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = offset + g * size, end = i + size; i < end; i++) {
          m = Math.max(m, logits[i]);
        }
        groups[g] = m;
      }
    }
    float r = Float.NEGATIVE_INFINITY;
    for (int g = 0; g < n; g++) {
      r = Math.max(r, groups[g]);
    }
    for (int i = offset + n * size, end = offset + vocab; i < end; i++) {
      r = Math.max(r, logits[i]);
    }
    max = r;
  }

  /**
   * The entries from {@code from} to {@code length} that the summary's groups do not cover, added
   * to the {@code n} collected: {@link Kernels#collectAtLeast}'s last step. Returns at most {@code
   * cap + 1}.
   */
  public static int collectTail(
      float[] l, int offset, int from, int length, float cut, int cap, int n, int[] out) {
    for (int i = from; i < length; i++) {
      if (l[offset + i] >= cut) {
        out[n++] = i;
      }
    }
    return Math.min(n, cap + 1);
  }
}
