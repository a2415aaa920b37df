package dev.berth.storage.memory;

import dev.berth.storage.Digest;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.ManifestInfo;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.eviction.AccessRecorder;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/** {@link ManifestStore} in the heap; its bytes count against the {@link MemoryDisk}. */
public final class MemoryManifestStore implements ManifestStore {
  private record Entry(StoredManifest manifest, Instant lastAccess) {}

  private final Clock clock;
  private final MemoryDisk disk;
  private final ConcurrentSkipListMap<Digest, Entry> manifests = new ConcurrentSkipListMap<>();
  private final AccessRecorder accesses;

  public MemoryManifestStore(Clock clock, MemoryDisk disk) {
    this.clock = clock;
    this.accesses = new AccessRecorder(clock);
    this.disk = disk;
  }

  @Override
  public synchronized StoredManifest put(Digest digest, String mediaType, byte[] bytes) {
    var verifier = digest.newVerifier();
    verifier.update(bytes, 0, bytes.length);
    Digest actual = verifier.finish();
    if (!actual.equals(digest)) {
      throw new DigestMismatchException(digest, "manifest bytes hash to " + actual);
    }
    Entry old = manifests.get(digest);
    disk.take(bytes.length - (old == null ? 0 : old.manifest().size()), "storing " + digest);
    Instant now = clock.instant();
    StoredManifest manifest = new StoredManifest(digest, mediaType, bytes.clone(), now);
    manifests.put(digest, new Entry(manifest, now));
    return manifest;
  }

  @Override
  public Optional<StoredManifest> get(Digest digest) {
    Entry entry = manifests.get(digest);
    if (entry == null) {
      return Optional.empty();
    }
    touch(digest);
    return Optional.of(entry.manifest());
  }

  @Override
  public void touch(Digest digest) {
    accesses.record(digest);
  }

  @Override
  public synchronized boolean delete(Digest digest) {
    Entry removed = manifests.remove(digest);
    if (removed == null) {
      return false;
    }
    disk.give(removed.manifest().size());
    return true;
  }

  @Override
  public void forEach(Consumer<StoredManifest> action) {
    manifests.values().forEach(e -> action.accept(e.manifest()));
  }

  @Override
  public void forEachInfo(Consumer<ManifestInfo> action) {
    manifests
        .values()
        .forEach(
            e -> {
              StoredManifest m = e.manifest();
              action.accept(
                  new ManifestInfo(
                      m.digest(), m.mediaType(), m.size(), m.stored(), e.lastAccess()));
            });
  }

  @Override
  public long totalBytes() {
    return manifests.values().stream().mapToLong(e -> e.manifest().size()).sum();
  }

  @Override
  public long count() {
    return manifests.size();
  }

  @Override
  public void flushAccessTimes() {
    accesses.drainInto(
        (digest, at) -> manifests.computeIfPresent(digest, (d, e) -> new Entry(e.manifest(), at)));
  }
}
