package dev.moat.detect;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The detector's state on disk ({@link Detector#snapshot}, {@link Detector#restore}): a gzip'd,
 * versioned binary file with the tiers' baselines, every held account's state and verdict, and the
 * local link table (a fleet link store keeps its own state in Redis and is not written). Written to
 * a temporary file and moved into place atomically; read completely before anything is installed,
 * so a damaged file changes nothing and its error names what was wrong.
 *
 * <p>Layout, all big-endian: magic {@code MOATDET;} (version 11: two bytes after {@code 9}); the
 * bucket layout's word count and the feature count (a file from another layout is refused); the
 * population and elevated counts; the tiers (count, then name and baseline each); the accounts (a 1
 * before each: name, tier, last score, state with its pin; a 0 after the last); a 1 and the link
 * table, or a 0; the embedded store's pins (count, then account and {@link AccountPin#encode} line
 * each; 0 over a fleet store, which keeps them); the {@link Cohorts} table ({@link Cohorts#SLOTS}
 * longs). Version 10 files ({@code MOATDET:}: buckets without {@link LinkStore#HANDS}), version 9
 * files ({@code MOATDET9}: no account's settings, {@link Activity#manyHands}), version 8 files
 * ({@code MOATDET8}: no account's counts of requests into coordinated templates or about flagged
 * phrases, so that its hits alone flag it, and no lowest turn, so that turns count from 0), version
 * 7 files ({@code MOATDET7}: no account's last counted skeleton), version 6 files ({@code
 * MOATDET6}: no venues, no account's start network or conversing share), version 5 files ({@code
 * MOATDET5}: strong phrase links only; a build that reads no further refuses a version 6 file
 * rather than read its weak links as strong ones), version 4 files ({@code MOATDET4}: no phrase
 * evidence in the accounts), version 3 files ({@code MOATDET3}: no machine bursts in the accounts'
 * {@link Activity}, buckets without {@link LinkStore#BURSTY}), version 2 files ({@code MOATDET2}:
 * score bins only, {@link TierBaseline}) and version 1 files ({@code MOATDET1}: no pins either) are
 * still read. The start of observation (the tenure that stands in for unknown account ages) is not
 * written: restore takes the earliest first request among the accounts it restores.
 *
 * <p>Thread-safe as its callers are: each account is written under its lock; the link table and the
 * baselines' histograms are sketches, read without stopping the world.
 */
final class DetectorState {
  /**
   * "MOATDET0": a file of version {@code v} (1 to {@link #VERSION}) starts with this plus {@code
   * v}, "MOATDET1" to "MOATDET9", then "MOATDET:" for 10 and "MOATDET;" for 11 (the last byte
   * counts on; what each version lacks: the class comment).
   */
  static final long MAGIC_BASE = 0x4D4F41544445_5430L;

  static final int VERSION = 11;

  /** Words per bucket before {@link LinkStore#BURSTY} was added (files before version 4). */
  static final int WORDS_BEFORE_BURSTS = LinkStore.BURSTY;

  /** Words per bucket before {@link LinkStore#HANDS} was added (files of versions 4 to 10). */
  static final int WORDS_BEFORE_HANDS = LinkStore.HANDS;

  /** Words per bucket in a file of {@code version}. */
  static int bucketWords(int version) {
    return version >= 11
        ? LinkStore.WORDS
        : version >= 4 ? WORDS_BEFORE_HANDS : WORDS_BEFORE_BURSTS;
  }

  private DetectorState() {}

  /** What a file holds, read completely before the detector installs it. */
  @SuppressWarnings("ArrayRecordComponent") // read once from a snapshot, never compared
  record Loaded(
      long population,
      long elevated,
      Map<String, TierBaseline> tiers,
      List<AccountState> accounts,
      List<Float> scores,
      long @Nullable [] table,
      Map<String, AccountPin> pins,
      long @Nullable [] cohorts) {}

  /** {@link Detector#snapshot}. */
  static void snapshot(Detector d, Path file) throws IOException {
    snapshot(d, file, VERSION);
  }

  /**
   * {@link Detector#snapshot} in the layout of {@code version} (1 to 3: the compatibility tests,
   * buckets without the sets added since).
   */
  static void snapshot(Detector d, Path file, int version) throws IOException {
    write(
        file,
        version,
        out -> {
          out.writeLong(d.population.get());
          out.writeLong(d.watchedByScore.get());
          java.util.Map<String, TierBaseline> byName = new java.util.HashMap<>(d.tiers);
          // TierBaseline keeps Object's identity equality, so a HashMap maps each instance.
          java.util.Map<TierBaseline, String> names = new java.util.HashMap<>();
          out.writeInt(byName.size());
          for (var e : byName.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().write(out, version);
            names.put(e.getValue(), e.getKey());
          }
          for (AccountState s : d.accounts.asMap().values()) {
            synchronized (s) {
              String tier = s.tier != null ? names.get(s.tier) : null;
              Verdict v = s.latest;
              if (tier == null || v == null) {
                continue; // not yet observed, or in a tier created after the list above
              }
              out.writeBoolean(true);
              out.writeUTF(s.account);
              out.writeUTF(tier);
              out.writeFloat(v.score());
              s.write(out, version);
            }
          }
          out.writeBoolean(false);
          if (d.store instanceof LocalLinkStore local) {
            out.writeBoolean(true);
            local.write(out, bucketWords(version));
          } else {
            out.writeBoolean(false);
          }
          if (version >= 2) {
            Map<String, AccountPin> pins =
                d.store instanceof LocalLinkStore local ? local.pins() : Map.of();
            out.writeInt(pins.size());
            for (var e : pins.entrySet()) {
              out.writeUTF(e.getKey());
              out.writeUTF(e.getValue().encode());
            }
          }
          if (version >= 7) {
            d.cohorts.write(out);
          }
        });
  }

  /** {@link Detector#restore}. */
  static long restore(Detector d, Path file) throws IOException {
    if (d.population.get() != 0 || d.accounts.estimatedSize() != 0) {
      throw new IllegalStateException("restore needs a detector that has observed nothing yet");
    }
    Loaded l =
        read(
            file,
            (in, version, bucketWords) -> {
              long pop = in.readLong();
              long elevated = in.readLong();
              int n = in.readInt();
              if (n < 0 || n > 1_000_000) {
                throw new java.io.IOException(file + ": " + n + " tiers (at most 1,000,000)");
              }
              java.util.Map<String, TierBaseline> t = new java.util.HashMap<>();
              for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                TierBaseline b = new TierBaseline(d.threshold, d.watchBudget, d.reference);
                b.read(in, version);
                t.put(name, b);
              }
              List<AccountState> states = new ArrayList<>();
              List<Float> scores = new ArrayList<>();
              while (in.readBoolean()) {
                AccountState s = new AccountState(in.readUTF());
                String tier = in.readUTF();
                s.tier = t.get(tier);
                if (s.tier == null) {
                  throw new java.io.IOException(
                      file + ": account " + s.account + " is in tier '" + tier + "', not listed");
                }
                scores.add(in.readFloat());
                s.read(in, version);
                states.add(s);
              }
              long[] table = null;
              if (in.readBoolean()) {
                int words = in.readInt();
                long slots = (long) words / (2 + bucketWords);
                if (!(d.store instanceof LocalLinkStore local)
                    || words % (2 + bucketWords) != 0
                    || slots * LocalLinkStore.STRIDE * 8 != local.bytes()) {
                  throw new java.io.IOException(
                      file + ": a link table of " + words + " words does not fit this link store");
                }
                table = new long[(int) slots * LocalLinkStore.STRIDE];
                for (int slot = 0; slot < slots; slot++) {
                  // A bucket written before a set was added to the layout's end has it empty.
                  for (int i = 0; i < 2 + bucketWords; i++) {
                    table[slot * LocalLinkStore.STRIDE + i] = in.readLong();
                  }
                }
              }
              Map<String, AccountPin> pins = new java.util.HashMap<>();
              int p = version >= 2 ? in.readInt() : 0;
              if (p < 0 || p > LocalLinkStore.MAX_PINS) {
                throw new IOException(
                    file + ": " + p + " pins (at most " + LocalLinkStore.MAX_PINS + ")");
              }
              for (int i = 0; i < p; i++) {
                String account = in.readUTF();
                String line = in.readUTF();
                try {
                  pins.put(account, AccountPin.decode(line));
                } catch (IllegalArgumentException e) {
                  throw new IOException(file + ": pin of " + account + ": " + e.getMessage(), e);
                }
              }
              if (!pins.isEmpty() && !(d.store instanceof LocalLinkStore)) {
                throw new IOException(
                    file
                        + ": "
                        + pins.size()
                        + " pins of an embedded store; this detector's"
                        + " store keeps its own");
              }
              long[] cohorts = version >= 7 ? Cohorts.read(in) : null;
              return new Loaded(pop, elevated, t, states, scores, table, pins, cohorts);
            });
    d.tiers.putAll(l.tiers());
    long now = d.now();
    for (int i = 0; i < l.accounts().size(); i++) {
      AccountState s = l.accounts().get(i);
      AccountPin pin = s.pin;
      if (pin != null && !pin.holds(now)) {
        s.pin = null; // ended while the detector was down
      }
      d.judge.publish(s, l.scores().get(i), s.activity.requests());
      d.accounts.put(s.account, s);
      if (s.activity.requests() > 0) {
        // The start of observation, for tenure (AccountJudge): the earliest first request held.
        d.tenure.since(s.activity.firstTs());
      }
    }
    for (AccountState s : l.accounts()) {
      // The base rate of youth (GroupEvidence#young), recounted: each account's age class at its
      // first request, now that the start of observation is known.
      if (s.activity.requests() > 0) {
        long first = s.activity.firstTs();
        s.firstAge = d.tenure.age(first, s.activity.created(), first);
        s.firstAgeGiven = s.activity.created() >= 0;
        d.tenure.count(s.firstAge, s.firstAgeGiven);
      }
      d.hands.add(s.activity, 1); // the share of many hands, recounted
    }
    d.population.set(l.population());
    d.watchedByScore.set(l.elevated());
    if (l.table() != null && d.store instanceof LocalLinkStore local) {
      local.load(l.table());
    }
    l.pins().forEach(d.store::pin);
    if (l.cohorts() != null) {
      d.cohorts.load(l.cohorts());
    }
    return l.accounts().size();
  }

  static void writeStrings(DataOutput out, @Nullable List<String> strings) throws IOException {
    if (strings == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(strings.size());
    for (String s : strings) {
      out.writeUTF(s);
    }
  }

  static @Nullable List<String> readStrings(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < -1 || n > 1024) {
      throw new IOException("a list of " + n + " strings (at most 1,024)");
    }
    if (n == -1) {
      return null;
    }
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(in.readUTF());
    }
    return List.copyOf(out);
  }

  /** Writes {@code file} atomically: a temporary file beside it, then a move. */
  static void write(Path file, int version, IoWriter body) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (OutputStream os = Files.newOutputStream(tmp);
          DataOutputStream out =
              new DataOutputStream(
                  new BufferedOutputStream(new GZIPOutputStream(os, 1 << 16), 1 << 16))) {
        out.writeLong(MAGIC_BASE + Math.min(version, VERSION));
        out.writeInt(bucketWords(version));
        out.writeInt(Features.COUNT);
        body.write(out);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Opens {@code file} and checks its header; the caller reads the body. */
  static <T> T read(Path file, IoReader<T> body) throws IOException {
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in =
            new DataInputStream(new BufferedInputStream(new GZIPInputStream(is), 1 << 16))) {
      long magic = in.readLong();
      long version = magic - MAGIC_BASE;
      if (version < 1 || version > VERSION) {
        throw new IOException(
            file + ": not a Moat detector state (magic " + Long.toHexString(magic) + ")");
      }
      int words = in.readInt();
      int features = in.readInt();
      if (words != bucketWords((int) version) || features != Features.COUNT) {
        throw new IOException(
            file
                + ": written by another version (bucket words "
                + words
                + ", features "
                + features
                + "; this one reads "
                + bucketWords((int) version)
                + " for a version "
                + version
                + " file, and "
                + Features.COUNT
                + ")");
      }
      return body.read(in, (int) version, words);
    } catch (EOFException e) {
      throw new IOException(file + ": truncated", e);
    } catch (java.util.zip.ZipException e) {
      throw new IOException(file + ": not gzip or damaged (" + e.getMessage() + ")", e);
    }
  }

  /** Writes a body. */
  @FunctionalInterface
  interface IoWriter {
    void write(DataOutput out) throws IOException;
  }

  /** Reads a body of a file of layout {@code version} with {@code bucketWords} per bucket. */
  @FunctionalInterface
  interface IoReader<T> {
    T read(DataInput in, int version, int bucketWords) throws IOException;
  }
}
