package dev.berth.proxy.server;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.ObjectStorageConfig;
import dev.berth.proxy.text.Messages;
import dev.berth.storage.Storage;
import dev.berth.storage.StorageException;
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
public final class ObjectStorageWiring {
  private ObjectStorageWiring() {}

  /**
   * The storage to serve from, which closes {@code local} with it; the caller closes {@code local}
   * when this throws.
   *
   * @throws ServerStartException naming the bucket and endpoint when the bucket cannot be listed
   */
  public static Storage open(BerthConfig config, Storage local, Clock clock) {
    return open(config, local, clock, false);
  }

  /**
   * The same for reading only ({@code berth export} beside running servers): the bucket's writes
   * are refused and no spool is touched.
   */
  public static Storage openForReading(BerthConfig config, Storage local, Clock clock) {
    return open(config, local, clock, true);
  }

  private static Storage open(BerthConfig config, Storage local, Clock clock, boolean readOnly) {
    Optional<ObjectStorageConfig> objectStorage = config.cluster().objectStorage();
    if (objectStorage.isEmpty()) {
      return local;
    }
    ObjectStorageConfig c = objectStorage.get();
    int chunk = config.storage().chunkSize();
    try {
      S3Stores stores =
          readOnly
              ? S3Stores.openReadOnly(location(c), chunk, clock)
              : S3Stores.open(location(c), local.path().resolve("spool"), chunk, clock);
      return new S3Storage(local, stores);
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
