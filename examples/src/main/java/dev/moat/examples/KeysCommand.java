package dev.moat.examples;

import dev.moat.forensics.CommittedScheme;
import dev.moat.key.KeyCommitment;
import dev.moat.key.WatermarkKey;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./moat keys new|commit}: creates a watermark key and prints its commitment, or prints the
 * commitment of an existing key ({@link KeyCommitment}: SHA-256 over the key, its scheme's
 * parameters and the code version). The commitment is published or filed when the key is made; an
 * evidence report later shows the key it used opens it. Neither subcommand prints the key.
 *
 * <p>Thread-safe: stateless.
 */
final class KeysCommand {
  /** The options that choose a scheme's parameters, shared with {@code ./moat evidence}. */
  static final Map<String, Boolean> SCHEME_OPTIONS = new LinkedHashMap<>();

  static {
    for (String o : List.of("scheme", "gamma", "delta", "context-width", "seeding")) {
      SCHEME_OPTIONS.put(o, true);
    }
  }

  static final Map<String, Boolean> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("keys", true);
    OPTIONS.put("key-id", true);
    OPTIONS.put("out", true);
    OPTIONS.put("bytes", true);
    OPTIONS.putAll(SCHEME_OPTIONS);
  }

  private KeysCommand() {}

  static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
    String sub = argv.length > 1 ? argv[1] : "";
    switch (sub) {
      case "commit" -> {
        Args a = new Args("keys commit", argv, 2, OPTIONS);
        WatermarkKeys keys = Keys.load(a.has("keys") ? a.get("keys", "") : null, err);
        String id = a.require("key-id");
        WatermarkKey key = Keys.get(keys, id);
        for (WatermarkSpec spec : specs(a, id)) {
          out.println(KeyCommitment.of(key, CommittedScheme.parameters(spec)).toJson());
        }
        return 0;
      }
      case "new" -> {
        Args a = new Args("keys new", argv, 2, OPTIONS);
        String id = a.require("key-id");
        Path file = Path.of(a.require("out"));
        int bytes = a.getInt("bytes", 32, WatermarkKey.MIN_BYTES, 64);
        byte[] material = new byte[bytes];
        new SecureRandom().nextBytes(material);
        WatermarkKey key = WatermarkKey.of(id, material);
        List<String> lines = new ArrayList<>();
        for (WatermarkSpec spec : specs(a, id)) {
          lines.add(KeyCommitment.of(key, CommittedScheme.parameters(spec)).toJson());
        }
        append(file, id, HexFormat.of().formatHex(material));
        java.util.Arrays.fill(material, (byte) 0);
        lines.forEach(out::println);
        err.println(
            "moat keys: wrote key '"
                + id
                + "' to "
                + file
                + " (keep it secret); publish or file the commitment above, now: an evidence"
                + " report shows later that its key opens it");
        return 0;
      }
      default -> {
        err.println(
            "moat keys: the subcommand was '"
                + sub
                + "' but it must be new (make a key and print its commitment) or commit (print"
                + " the commitment of a key)");
        return 2;
      }
    }
  }

  /** Adds {@code id=hex} to a key file: created owner-only, or appended if the id is new there. */
  private static void append(Path file, String id, String hex) throws IOException {
    String line = id + "=" + hex + "\n";
    if (Files.exists(file)) {
      WatermarkKeys existing = WatermarkKeys.fromFile(file);
      if (existing.ids().contains(id)) {
        throw new Args.UsageException(
            "--key-id was '" + id + "' but " + file + " already holds a key of that id");
      }
      String text = Files.readString(file, StandardCharsets.UTF_8);
      Files.writeString(
          file,
          (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + line,
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
      return;
    }
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system
    } catch (FileAlreadyExistsException e) {
      throw new Args.UsageException("--out " + file + " appeared while the key was being made");
    }
    Files.writeString(
        file,
        "# Watermark keys (id=hex). Secret: never commit, log or send this file.\n" + line,
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
  }

  /**
   * The schemes of {@code --scheme kgw[,gumbel]} with their parameters ({@code --gamma 0.25 --delta
   * 2 --context-width 1 --seeding lefthash} for KGW; {@code --context-width} for Gumbel).
   */
  static List<WatermarkSpec> specs(Args a, String keyId) {
    List<WatermarkSpec> specs = new ArrayList<>();
    for (String s : a.list("scheme", List.of("kgw"))) {
      int h = a.getInt("context-width", 1, 1, 64);
      switch (s.strip()) {
        case "kgw" -> {
          String seeding = a.get("seeding", "lefthash");
          if (!seeding.equals("lefthash") && !seeding.equals("selfhash")) {
            throw new Args.UsageException(
                "--seeding was '" + seeding + "' but it must be lefthash or selfhash");
          }
          specs.add(
              KgwSettings.builder()
                  .keyId(keyId)
                  .gamma(a.getDouble("gamma", 0.25, 1e-6, 1 - 1e-6))
                  .delta(a.getDouble("delta", 2.0, 0, 20))
                  .contextWidth(h)
                  .selfHash(seeding.equals("selfhash"))
                  .build());
        }
        case "gumbel" -> specs.add(new GumbelSettings(keyId, h));
        default ->
            throw new Args.UsageException(
                "--scheme was '" + s + "' but it must be kgw, gumbel or a list of them");
      }
    }
    return specs;
  }
}
