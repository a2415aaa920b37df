package dev.berth.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits that protect the node berth runs on. Over a limit a client gets a clear error at once (and
 * containerd moves on to its next host), never a hang.
 *
 * @param maxConnections open client connections on the registry listener, counted from the TCP
 *     accept; a connection beyond it is closed at once
 * @param maxDownloads upstream blob transfers at once (cached or streamed through); a miss beyond
 *     it is answered 503 with {@code Retry-After}
 * @param maxHeaderSize bytes of request line plus headers; beyond it 431 (or 414 for the line)
 * @param idleTimeout a client connection with no traffic either way for this long is closed
 * @param headerTimeout a client connection that has not sent a whole request head this long after
 *     it was accepted is closed (a silent client, or slowloris: headers sent a byte at a time)
 * @param fanOutWindow bytes one live download holds in memory for its clients and its storage
 *     writer; the upstream pauses while the writer is this far behind, and a client this far behind
 *     continues from storage
 * @param fanOutMemory bytes all live downloads together hold in memory for their clients; over it
 *     clients behind the writer continue from storage and downloads wait for their writers
 */
public record LimitsConfig(
    int maxConnections,
    int maxDownloads,
    int maxHeaderSize,
    Duration idleTimeout,
    Duration headerTimeout,
    long fanOutWindow,
    long fanOutMemory) {
  public static final int MIN_HEADER_SIZE = 4 << 10;
  public static final int MAX_HEADER_SIZE = 1 << 20;

  /**
   * Sized for a node mirror: a node starts tens of pods at once, each pulling a handful of layers;
   * the idle timeout is above the upstream read timeout so a slow upstream is reported, not cut; a
   * client on a node sends its request head within milliseconds of connecting, so 10 s of header
   * timeout leaves room for a loaded node and bounds what silent connections can hold.
   */
  public static final LimitsConfig DEFAULTS =
      new LimitsConfig(
          1024, 64, 16 << 10, Duration.ofSeconds(120), Duration.ofSeconds(10), 8L << 20, 64L << 20);

  /** The window must hold at least one of the download's memory blocks (1 MiB). */
  public static final long MIN_FAN_OUT_WINDOW = 1L << 20;

  /** Limits with the fan-out defaults. */
  public LimitsConfig(
      int maxConnections,
      int maxDownloads,
      int maxHeaderSize,
      Duration idleTimeout,
      Duration headerTimeout) {
    this(
        maxConnections,
        maxDownloads,
        maxHeaderSize,
        idleTimeout,
        headerTimeout,
        8L << 20,
        64L << 20);
  }

  public LimitsConfig {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    if (maxConnections <= 0 || maxDownloads <= 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
    if (maxHeaderSize < MIN_HEADER_SIZE || maxHeaderSize > MAX_HEADER_SIZE) {
      throw new IllegalArgumentException("maxHeaderSize " + maxHeaderSize + " out of range");
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout must be positive");
    }
    if (headerTimeout.isNegative() || headerTimeout.isZero()) {
      throw new IllegalArgumentException("headerTimeout must be positive");
    }
    if (fanOutWindow < MIN_FAN_OUT_WINDOW || fanOutMemory < fanOutWindow) {
      throw new IllegalArgumentException(
          "fan-out-window must be at least 1MiB and fan-out-memory at least the window");
    }
  }
}
