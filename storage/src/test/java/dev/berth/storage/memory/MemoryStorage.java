package dev.berth.storage.memory;

import dev.berth.storage.LinkStore;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.PinStore;
import dev.berth.storage.Storage;
import dev.berth.storage.StorageHealth;
import dev.berth.storage.TagStore;
import dev.berth.storage.VerdictStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * A whole {@link Storage} in the heap: what unit tests of the pull, access and retention services
 * build on, with the clock the test moves and a {@link MemoryDisk} it can fill.
 */
public final class MemoryStorage implements Storage {
  private final MemoryDisk disk = new MemoryDisk(Long.MAX_VALUE);
  private final MemoryBlobStore blobs;
  private final MemoryManifestStore manifests;
  private final MemoryTagStore tags = new MemoryTagStore();
  private final MemoryLinkStore links = new MemoryLinkStore();
  private final MemoryPinStore pins = new MemoryPinStore();
  private final MemoryVerdictStore verdicts = new MemoryVerdictStore();
  private volatile boolean open = true;

  public MemoryStorage(Clock clock) {
    this(clock, DEFAULT_CHUNK_SIZE);
  }

  public MemoryStorage(Clock clock, int chunkSize) {
    this.blobs = new MemoryBlobStore(chunkSize, clock, disk);
    this.manifests = new MemoryManifestStore(clock, disk);
  }

  /** The space the stores share; fill it to stand in for a full disk. */
  public MemoryDisk disk() {
    return disk;
  }

  @Override
  public MemoryBlobStore blobs() {
    return blobs;
  }

  @Override
  public ManifestStore manifests() {
    return manifests;
  }

  @Override
  public TagStore tags() {
    return tags;
  }

  @Override
  public LinkStore links() {
    return links;
  }

  @Override
  public PinStore pins() {
    return pins;
  }

  @Override
  public VerdictStore verdicts() {
    return verdicts;
  }

  @Override
  public long storedBytes() {
    return blobs.totalBytes() + manifests.totalBytes();
  }

  @Override
  public void compact() {
    // Nothing to give back: deleted bytes leave the heap with their last reference.
  }

  @Override
  public long diskBytes() {
    return disk.used();
  }

  @Override
  public Path path() {
    return Path.of("memory");
  }

  @Override
  public Optional<String> writeProblem() {
    return disk.isFull() ? Optional.of("memory disk is full") : Optional.empty();
  }

  @Override
  public StorageHealth health() {
    return open ? new StorageHealth(true, "in memory") : new StorageHealth(false, "closed");
  }

  @Override
  public void close() {
    open = false;
  }
}
