/**
 * The upstream side: configured {@link dev.berth.proxy.upstream.Upstream}s, the {@link
 * dev.berth.proxy.upstream.UpstreamRouter} that picks one per request (never an unconfigured host),
 * and the client that talks to them.
 */
@NullMarked
package dev.berth.proxy.upstream;

import org.jspecify.annotations.NullMarked;
