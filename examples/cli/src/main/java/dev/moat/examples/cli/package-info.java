/**
 * The {@code ./moat} command line's parsing rules, shared by every subcommand: numeric ranges
 * declared next to the options ({@link dev.moat.examples.cli.Range}), and one shape for every usage
 * error ({@link dev.moat.examples.cli.UsageErrors}), each naming the option, the value and what is
 * allowed, with exit status 2. The parser itself is picocli.
 */
@NullMarked
package dev.moat.examples.cli;

import org.jspecify.annotations.NullMarked;
