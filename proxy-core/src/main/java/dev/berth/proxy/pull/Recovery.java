package dev.berth.proxy.pull;

import io.vertx.core.Future;

/**
 * What to serve instead when a blob's source fails before its response was started, decided by
 * {@link BlobService}: a download the full disk stopped is served again uncached (cache writes are
 * paused by then); anything else fails as it came.
 */
@FunctionalInterface
public interface Recovery {
  Recovery NONE = Future::failedFuture;

  Future<BlobSource> after(Throwable failure);
}
