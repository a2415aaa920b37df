package dev.berth.proxy.cli;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.server.ServerStartException;
import dev.berth.proxy.text.Messages;
import dev.berth.proxy.upstream.Upstream;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.StorageException;
import dev.berth.storage.rocksdb.RocksStorage;
import dev.berth.storage.rocksdb.StorageOptions;

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
  static RocksStorage openForWriting(BerthConfig config, String adminHint) {
    try {
      return RocksStorage.open(
          config.storage().path(),
          StorageOptions.defaults().withChunkSize(config.storage().chunkSize()));
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
  static RocksStorage openForReading(BerthConfig config) {
    try {
      return RocksStorage.openReadOnly(
          config.storage().path(),
          StorageOptions.defaults().withChunkSize(config.storage().chunkSize()));
    } catch (StorageException e) {
      throw new ServerStartException(Messages.of(e), e);
    }
  }

  static UpstreamRouter upstreams(BerthConfig config) {
    return new UpstreamRouter(Upstream.all(config.upstreams()));
  }
}
