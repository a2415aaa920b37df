package dev.berth.proxy.upstream;

import java.time.Duration;

/**
 * Timeouts towards upstreams. Short connect and header timeouts suit a node mirror: containerd
 * falls back to the next host when the mirror fails quickly, so failing fast beats hanging.
 *
 * @param connect TCP (and TLS) connect
 * @param idle no byte received for this long (covers the wait for response headers, and stalls
 *     mid-body)
 */
public record UpstreamTimeouts(Duration connect, Duration idle) {
  public static final UpstreamTimeouts DEFAULTS =
      new UpstreamTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30));
}
