/**
 * Pull-through decisions: when a cached tag may be served and when the upstream must be asked (by
 * the policies of {@code dev.berth.proxy.policy}), single-flight fetches and downloads.
 */
@NullMarked
package dev.berth.proxy.pull;

import org.jspecify.annotations.NullMarked;
