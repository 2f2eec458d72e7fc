package dev.moat.watermark;

import dev.moat.key.WatermarkKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The watermark keys a server holds, by id. Policies name keys by id only; keys come from a file or
 * an environment variable, never from the policy, and are never logged.
 *
 * <p>Format of a key file or variable: entries {@code id=hexmaterial}, separated by newlines or
 * commas; blank lines and lines starting with {@code #} are ignored (comments take a whole line).
 * Example: {@code k2026a=6f1c…(32+ hex digits)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class WatermarkKeys {
  private static final WatermarkKeys EMPTY = new WatermarkKeys(Map.of());

  private final Map<String, WatermarkKey> keys;

  private WatermarkKeys(Map<String, WatermarkKey> keys) {
    this.keys = keys;
  }

  public static WatermarkKeys empty() {
    return EMPTY;
  }

  public static WatermarkKeys of(WatermarkKey... keys) {
    Map<String, WatermarkKey> m = new TreeMap<>();
    for (WatermarkKey k : keys) {
      if (m.put(k.id(), k) != null) {
        throw new IllegalArgumentException("key id '" + k.id() + "' is given twice");
      }
    }
    return new WatermarkKeys(Collections.unmodifiableMap(m));
  }

  /** Parses the key format above; {@code source} names where the text came from, for errors. */
  public static WatermarkKeys parse(String text, String source) {
    List<WatermarkKey> list = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    String[] lines = text.split("\\R", -1); // blank lines are skipped below
    for (int line = 0; line < lines.length; line++) {
      String l = lines[line].strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      for (String e : l.split(",", -1)) {
        e = e.strip();
        if (e.isEmpty()) {
          continue;
        }
        int eq = e.indexOf('=');
        if (eq <= 0) {
          errors.add(
              source
                  + " line "
                  + (line + 1)
                  + ": an entry must look like id=hexmaterial (content not shown)");
          continue;
        }
        try {
          list.add(WatermarkKey.ofHex(e.substring(0, eq).strip(), e.substring(eq + 1)));
        } catch (IllegalArgumentException ex) {
          errors.add(source + " line " + (line + 1) + ": " + ex.getMessage());
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return of(list.toArray(new WatermarkKey[0]));
  }

  public static WatermarkKeys fromFile(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /** Keys from an environment variable, or no keys if it is unset. */
  public static WatermarkKeys fromEnvironment(String variable) {
    String v = System.getenv(variable);
    return v == null ? EMPTY : parse(v, "$" + variable);
  }

  /**
   * The key with this id; or, for {@code ID/GROUP}, the key of campaign group {@code GROUP} derived
   * from key {@code ID} ({@link WatermarkKey#forGroup}), which is how a policy with {@code
   * group_keys} marks a flagged group's answers. Empty if {@code ID} is not held.
   *
   * @throws IllegalArgumentException if {@code ID} is held but {@code GROUP} is not a valid group
   *     id
   */
  public Optional<WatermarkKey> get(String id) {
    WatermarkKey k = keys.get(id);
    int slash = id.indexOf('/');
    if (k != null || slash < 0) {
      return Optional.ofNullable(k);
    }
    WatermarkKey base = keys.get(id.substring(0, slash));
    return base == null ? Optional.empty() : Optional.of(base.forGroup(id.substring(slash + 1)));
  }

  public Set<String> ids() {
    return keys.keySet();
  }

  @Override
  public String toString() {
    return "WatermarkKeys" + keys.keySet();
  }
}
