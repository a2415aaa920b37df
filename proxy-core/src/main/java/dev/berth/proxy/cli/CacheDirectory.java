package dev.berth.proxy.cli;

import dev.berth.proxy.SuppressForbidden;
import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.server.ObjectStorageWiring;
import dev.berth.proxy.server.ServerStartException;
import dev.berth.proxy.text.Messages;
import dev.berth.proxy.upstream.Upstream;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.Storage;
import dev.berth.storage.StorageException;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.local.LocalStorage;
import java.time.Clock;
import java.util.function.UnaryOperator;

/**
 * Opening the cache directory for commands that work on it directly (gc, import, export, verify,
 * standalone prefetch), with the one message an operator needs when a server holds it.
 */
final class CacheDirectory {
  private CacheDirectory() {}

  /**
   * @param adminHint what to run instead while a server holds the directory (may be empty)
   * @throws ServerStartException naming the directory when it cannot be opened
   */
  static Storage openForWriting(BerthConfig config, String adminHint) {
    Storage local;
    try {
      local = LocalStorage.open(config.storage().path(), options(config));
    } catch (StorageException e) {
      String message = Messages.of(e);
      if (heldByAServer(e)) {
        message =
            "the cache at "
                + config.storage().path()
                + " is in use by a running berth server"
                + (adminHint.isEmpty() ? "; stop it first" : ": " + adminHint);
      }
      throw new ServerStartException(message, e);
    }
    return withBucket(local, l -> ObjectStorageWiring.open(config, l, clock()));
  }

  /**
   * On a cluster-tier replica ({@code cluster.object-storage}) the cache is the bucket's blobs and
   * manifests beside the local store, as the server serves it: a command works on both.
   */
  private static Storage withBucket(Storage local, UnaryOperator<Storage> open) {
    try {
      return open.apply(local);
    } catch (RuntimeException e) {
      local.close();
      throw e;
    }
  }

  private static StorageOptions options(BerthConfig config) {
    return StorageOptions.defaults().withChunkSize(config.storage().chunkSize());
  }

  @SuppressForbidden(reason = "a command's own clock: the wall clock")
  private static Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * Whether opening failed because another process (a running server) holds the directory's RocksDB
   * lock file.
   */
  static boolean heldByAServer(RuntimeException openFailure) {
    String message = Messages.of(openFailure);
    return message != null && message.contains("LOCK");
  }

  /** Read-only, beside a server that may be running on the same directory. */
  static Storage openForReading(BerthConfig config) {
    Storage local;
    try {
      local = LocalStorage.openReadOnly(config.storage().path(), options(config));
    } catch (StorageException e) {
      throw new ServerStartException(Messages.of(e), e);
    }
    return withBucket(local, l -> ObjectStorageWiring.openForReading(config, l, clock()));
  }

  static UpstreamRouter upstreams(BerthConfig config) {
    return new UpstreamRouter(Upstream.all(config.upstreams()));
  }
}
