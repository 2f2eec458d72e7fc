package dev.moat.examples;

import dev.moat.Moat;
import dev.moat.examples.cli.UsageErrors;
import dev.moat.examples.serve.ServeCommand;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ScopeType;

/**
 * The {@code ./moat} command line: one picocli command per subcommand, each declaring its options
 * (with {@code --help}), and {@link UsageErrors} for every usage error. Not thread-safe: each run
 * builds its own commands.
 */
@Command(
    name = "moat",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    versionProvider = MoatCli.Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "Moat's command line: the protected model server, the watermark detector, the forensics and"
          + " the detector's tools."
    },
    commandListHeading = "%nCommands:%n")
public final class MoatCli {
  private MoatCli() {}

  public static void main(String[] argv) {
    System.exit(run(argv, System.out, System.err));
  }

  /** Runs {@code argv}; returns the exit status (0, 1 for a failure, 2 for a usage error). */
  static int run(String[] argv, PrintStream out, PrintStream err) {
    CommandLine cli = commandLine(argv, out, err);
    try {
      if (argv.length == 0) {
        cli.usage(cli.getOut());
        return UsageErrors.USAGE;
      }
      return cli.execute(argv);
    } finally {
      cli.getOut().flush();
      cli.getErr().flush();
    }
  }

  /** Every command, in the order the help lists them. */
  static CommandLine commandLine(String[] argv, PrintStream out, PrintStream err) {
    CommandLine cli =
        new CommandLine(new MoatCli())
            .addSubcommand(new ServeCommand(out, err, Keys::load))
            .addSubcommand(new DemoCommand(out, err))
            .addSubcommand(new DetectCommand(out, err))
            .addSubcommand(new QualityCommand(out))
            .addSubcommand(new SimulateCommand(out))
            .addSubcommand(new ReplayCommand(out, err))
            .addSubcommand(new TrainDetectorCommand(out))
            .addSubcommand(new DistillCommand(out))
            .addSubcommand(new RadioactivityCommand(out, err))
            .addSubcommand(new EvidenceCommand(argv, out, err))
            .addSubcommand(KeysCommand.commandLine(out, err))
            .addSubcommand(new CommandLine.HelpCommand());
    // The root's own footer, set after the subcommands inherited the root's attributes.
    cli.getCommandSpec()
        .usageMessage()
        .footer(
            "",
            "Keys: files of lines id=hexmaterial; without --keys or $MOAT_WATERMARK_KEYS the public"
                + " demo key is used (fine for the demo, worthless as evidence).",
            "./moat COMMAND --help lists a command's options.");
    UsageErrors errors = new UsageErrors(err);
    // Set after the subcommands are added: these settings apply to the commands present.
    return cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true))
        .setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true))
        .setParameterExceptionHandler(errors)
        .setExecutionExceptionHandler(errors)
        .setExecutionStrategy(errors)
        // As before picocli: a repeated option takes its last value, and @FILE is not expanded.
        .setOverwrittenOptionsAllowed(true)
        .setExpandAtFiles(false);
  }

  /** {@code --version}: the project version the code was built as. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"moat " + Moat.version()};
    }
  }
}
