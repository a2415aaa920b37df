package dev.berth.proxy.pull;

/**
 * A blob miss refused because berth already runs {@code limits.max-downloads} upstream transfers.
 * Answered 503 with {@code Retry-After}: the client retries, or (containerd) tries its next host.
 */
public final class DownloadLimitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  DownloadLimitException(int limit) {
    super(
        "berth is running its maximum of "
            + limit
            + " upstream downloads (limits.max-downloads); retry shortly");
  }
}
