/**
 * The {@code berth} command line (picocli): {@link dev.berth.proxy.cli.BerthCli} with its
 * subcommands. Errors an operator can fix print as {@code berth: <message>} without a stack trace.
 */
@NullMarked
package dev.berth.proxy.cli;

import org.jspecify.annotations.NullMarked;
