package dev.berth.storage.local;

import dev.berth.storage.Storage;
import dev.berth.storage.StorageException;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.rocksdb.RocksStorage;
import java.nio.file.Path;

/**
 * Opens a node's own store, the cache under {@code storage.path} (RocksDB): the one place the proxy
 * reaches the engine, so that every other class sees only the {@link Storage} interfaces.
 */
public final class LocalStorage {
  private LocalStorage() {}

  /**
   * Opens (creating if needed) the store under {@code path}, reclaiming unfinished writes.
   *
   * @throws StorageException naming the path when it cannot be opened (held by another process, a
   *     directory that cannot be created)
   */
  public static Storage open(Path path, StorageOptions options) {
    return RocksStorage.open(path, options);
  }

  /**
   * Opens an existing store for reading only, beside a server that may be writing to it.
   *
   * @throws StorageException naming the path when there is no store there or it cannot be read
   */
  public static Storage openReadOnly(Path path, StorageOptions options) {
    return RocksStorage.openReadOnly(path, options);
  }
}
