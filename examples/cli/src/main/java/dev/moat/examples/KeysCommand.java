package dev.moat.examples;

import dev.moat.examples.cli.Range;
import dev.moat.examples.cli.UsageException;
import dev.moat.forensics.CommittedScheme;
import dev.moat.key.KeyCommitment;
import dev.moat.key.WatermarkKey;
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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./moat keys new|commit}: creates a watermark key and prints its commitment, or prints the
 * commitment of an existing key ({@link KeyCommitment}: SHA-256 over the key, its scheme's
 * parameters and the code version). The commitment is published or filed when the key is made; an
 * evidence report later shows the key it used opens it. Neither subcommand prints the key.
 *
 * <p>Not thread-safe: picocli sets the subcommands' options.
 */
@Command(
    name = "keys",
    description = {
      "Make a watermark key, or print a key's commitment.",
      "The commitment is SHA-256 over key, parameters and code version; never the key."
    })
final class KeysCommand implements Callable<Integer> {
  /** {@code ./moat keys} with its subcommands {@code new} and {@code commit}. */
  static CommandLine commandLine(PrintStream out, PrintStream err) {
    return new CommandLine(new KeysCommand())
        .addSubcommand(new New(out, err))
        .addSubcommand(new Commit(out, err));
  }

  @Override
  public Integer call() {
    throw new UsageException(
        "a command is missing; commands: new (make a key and print its commitment), commit (print"
            + " the commitment of a key)");
  }

  /** {@code ./moat keys new}. */
  @Command(
      name = "new",
      description = {
        "Make a key (32 random bytes), append it to --out and print its commitment per scheme."
      })
  static final class New implements Callable<Integer> {
    @Option(names = "--key-id", required = true, paramLabel = "ID", description = "The key's id.")
    String id = "";

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "The key file: created owner-only, or appended to.")
    Path file = Path.of("");

    @Option(
        names = "--bytes",
        paramLabel = "N",
        description = "Key length (default: ${DEFAULT-VALUE}).")
    @Range(min = WatermarkKey.MIN_BYTES, max = 64)
    int bytes = 32;

    @Mixin SchemeOptions schemes = new SchemeOptions();

    private final PrintStream out;
    private final PrintStream err;

    New(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws IOException {
      byte[] material = new byte[bytes];
      new SecureRandom().nextBytes(material);
      WatermarkKey key = WatermarkKey.of(id, material);
      List<String> lines = new ArrayList<>();
      for (WatermarkSpec spec : schemes.specs(id)) {
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
  }

  /** {@code ./moat keys commit}. */
  @Command(
      name = "commit",
      description = {"Print the commitment of a key per scheme (never the key)."})
  static final class Commit implements Callable<Integer> {
    @Mixin KeysOption keysOption = new KeysOption();

    @Option(names = "--key-id", required = true, paramLabel = "ID", description = "The key's id.")
    String id = "";

    @Mixin SchemeOptions schemes = new SchemeOptions();

    private final PrintStream out;
    private final PrintStream err;

    Commit(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws IOException {
      WatermarkKeys keys = keysOption.load(err);
      WatermarkKey key = Keys.get(keys, id);
      for (WatermarkSpec spec : schemes.specs(id)) {
        out.println(KeyCommitment.of(key, CommittedScheme.parameters(spec)).toJson());
      }
      return 0;
    }
  }

  /** Adds {@code id=hex} to a key file: created owner-only, or appended if the id is new there. */
  private static void append(Path file, String id, String hex) throws IOException {
    String line = id + "=" + hex + "\n";
    if (Files.exists(file)) {
      WatermarkKeys existing = WatermarkKeys.fromFile(file);
      if (existing.ids().contains(id)) {
        throw new UsageException(
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
      throw new UsageException("--out " + file + " appeared while the key was being made");
    }
    Files.writeString(
        file,
        "# Watermark keys (id=hex). Secret: never commit, log or send this file.\n" + line,
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
  }
}
