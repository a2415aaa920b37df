/**
 * berth's configuration: the {@link dev.berth.proxy.config.BerthConfig} records, and {@link
 * dev.berth.proxy.config.ConfigLoader}, which layers the embedded defaults, an optional YAML file
 * and command-line options, and rejects anything it does not understand with a message that names
 * the key (or option) and the bad value.
 */
@NullMarked
package dev.berth.proxy.config;

import org.jspecify.annotations.NullMarked;
