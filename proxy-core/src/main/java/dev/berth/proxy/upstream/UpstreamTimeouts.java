package dev.berth.proxy.upstream;

import java.time.Duration;

/**
 * Timeouts towards token servers, which are not configured per upstream. Short connect and header
 * timeouts suit a node mirror: containerd falls back to the next host when the mirror fails
 * quickly, so failing fast beats hanging.
 *
 * @param connect TCP (and TLS) connect
 * @param idle no byte received for this long (the wait for response headers, and between bytes)
 * @param total the whole exchange
 */
public record UpstreamTimeouts(Duration connect, Duration idle, Duration total) {
  public static final UpstreamTimeouts DEFAULTS =
      new UpstreamTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60));
}
