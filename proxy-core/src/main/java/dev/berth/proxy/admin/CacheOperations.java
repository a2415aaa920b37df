package dev.berth.proxy.admin;

import dev.berth.proxy.retention.CacheKeeper;
import java.util.function.Function;

/**
 * Runs work against the cache keeper while storage is guaranteed open (the server's close waits for
 * it). Blocking: the admin routes call it on a worker.
 */
public interface CacheOperations {
  /**
   * @throws dev.berth.storage.StorageException when storage is closed (berth is shutting down)
   */
  <T> T withKeeper(Function<CacheKeeper, T> work);
}
