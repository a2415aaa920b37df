/**
 * Parsers for the small values operators type into the config file and on the command line:
 * durations ({@code 1h30m}), byte sizes ({@code 50GiB}). They throw {@link
 * dev.berth.proxy.text.InvalidValueException}, which carries the rejected text and what was
 * expected, so each caller can prefix the key or option it came from.
 */
@NullMarked
package dev.berth.proxy.text;

import org.jspecify.annotations.NullMarked;
