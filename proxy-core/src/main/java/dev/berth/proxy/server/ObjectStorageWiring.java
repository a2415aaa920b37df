package dev.berth.proxy.server;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.ObjectStorageConfig;
import dev.berth.proxy.text.Messages;
import dev.berth.storage.Storage;
import dev.berth.storage.StorageException;
import dev.berth.storage.rocksdb.RocksStorage;
import dev.berth.storage.s3.S3Location;
import dev.berth.storage.s3.S3Storage;
import dev.berth.storage.s3.S3Stores;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The storage a server serves from: its local store alone, or, on a cluster-tier replica ({@code
 * cluster.object-storage}), the shared bucket's blobs and manifests beside the local store's tags,
 * links, pins and verdicts.
 */
final class ObjectStorageWiring {
  private ObjectStorageWiring() {}

  /** What {@link #open} returns: the storage, and what closing the server must close besides. */
  record Opened(Storage storage, AutoCloseable objects) {}

  /**
   * @throws ServerStartException naming the bucket and endpoint when the bucket cannot be listed
   */
  static Opened open(BerthConfig config, RocksStorage local, Clock clock) {
    Optional<ObjectStorageConfig> objectStorage = config.cluster().objectStorage();
    if (objectStorage.isEmpty()) {
      return new Opened(local, () -> {});
    }
    ObjectStorageConfig c = objectStorage.get();
    try {
      S3Stores stores =
          S3Stores.open(
              location(c), local.path().resolve("spool"), config.storage().chunkSize(), clock);
      return new Opened(new S3Storage(local, stores), stores);
    } catch (StorageException | IllegalArgumentException e) {
      throw new ServerStartException(
          "cluster.object-storage: bucket "
              + c.bucket()
              + " at "
              + c.endpoint().map(Object::toString).orElse("AWS " + c.region())
              + ": "
              + Messages.of(e),
          e);
    }
  }

  static S3Location location(ObjectStorageConfig c) {
    return new S3Location(
        c.endpoint(),
        c.region(),
        c.bucket(),
        c.prefix(),
        Optional.empty(),
        Optional.empty(),
        c.credentialsFile(),
        c.pathStyle(),
        c.partSize(),
        Duration.ofSeconds(5),
        Duration.ofSeconds(30));
  }
}
