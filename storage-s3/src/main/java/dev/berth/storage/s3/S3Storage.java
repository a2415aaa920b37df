package dev.berth.storage.s3;

import dev.berth.storage.BlobStore;
import dev.berth.storage.EngineStats;
import dev.berth.storage.LinkStore;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.PinStore;
import dev.berth.storage.Storage;
import dev.berth.storage.StorageHealth;
import dev.berth.storage.TagStore;
import dev.berth.storage.VerdictStore;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A cluster-tier replica's storage: blobs and manifests in the shared bucket, and what is each
 * replica's own (tag resolutions, links, pins, access verdicts) in its local store.
 */
public final class S3Storage implements Storage {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(S3Storage.class);

  private final Storage local;
  private final S3Stores objects;

  public S3Storage(Storage local, S3Stores objects) {
    this.local = local;
    this.objects = objects;
  }

  @Override
  public BlobStore blobs() {
    return objects.blobs();
  }

  @Override
  public ManifestStore manifests() {
    return objects.manifests();
  }

  @Override
  public TagStore tags() {
    return local.tags();
  }

  @Override
  public LinkStore links() {
    return local.links();
  }

  @Override
  public PinStore pins() {
    return local.pins();
  }

  @Override
  public VerdictStore verdicts() {
    return local.verdicts();
  }

  @Override
  public long storedBytes() {
    return objects.blobs().totalBytes() + objects.manifests().totalBytes();
  }

  @Override
  public void compact() {
    local.compact(); // the bucket frees deleted objects itself
  }

  /**
   * The local store's files: what this replica costs its node's disk. The spool of unfinished
   * writes is a directory inside it, so it is counted there.
   */
  @Override
  public long diskBytes() {
    return local.diskBytes();
  }

  @Override
  public Path path() {
    return local.path();
  }

  @Override
  public Optional<String> writeProblem() {
    return local.writeProblem();
  }

  @Override
  public StorageHealth health() {
    return local.health();
  }

  @Override
  public EngineStats engineStats() {
    return local.engineStats();
  }

  /** Closes the bucket's client, then the local store: this storage owns both. */
  @Override
  public void close() {
    try {
      objects.close();
    } catch (RuntimeException e) {
      // Nothing of the bucket's is unwritten here; the local store must still close.
      log.warn("closing the bucket's client failed: {}", e.toString());
    }
    local.close();
  }
}
