package dev.berth.storage.s3;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import dev.berth.storage.eviction.AccessRecorder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Blobs as objects in an S3 bucket, one object per blob under its digest ({@link S3Keys}).
 *
 * <p>What the bucket holds is the truth; this replica keeps an index of it (listed at open, kept by
 * its own writes and deletes, and filled by a {@code HEAD} when another replica's blob is asked
 * for) so that sizes, counts and the eviction scan cost no requests. Access times and readers are
 * this replica's own: they are not shared through the bucket.
 */
public final class S3BlobStore implements BlobStore {
  private final S3Objects objects;
  private final S3Keys keys;
  private final int partSize;
  private final int readChunk;
  private final @Nullable Path spoolDir;
  private final Clock clock;
  private final ConcurrentSkipListMap<Digest, BlobInfo> index = new ConcurrentSkipListMap<>();
  private final AccessRecorder accesses;
  private final Map<Digest, AtomicInteger> readers = new ConcurrentHashMap<>();
  private final AtomicLong totalBytes = new AtomicLong();
  private final AtomicLong spooling = new AtomicLong();
  private final BucketListing<BlobInfo> listing;

  S3BlobStore(
      S3Objects objects,
      S3Keys keys,
      int partSize,
      int readChunk,
      @Nullable Path spoolDir,
      Clock clock) {
    this.objects = objects;
    this.keys = keys;
    this.partSize = partSize;
    this.readChunk = readChunk;
    this.spoolDir = spoolDir;
    this.clock = clock;
    this.accesses = new AccessRecorder(clock);
    if (spoolDir != null) {
      Spool.deleteLeftovers(spoolDir);
    }
    this.listing =
        new BucketListing<>(
            objects,
            keys.blobs(),
            index,
            (d, o) -> remember(d, o.size(), o.lastModified()),
            this::forget,
            clock);
  }

  private BlobInfo remember(Digest digest, long size, Instant created) {
    BlobInfo info = new BlobInfo(digest, size, readChunk, created, created);
    if (index.putIfAbsent(digest, info) == null) {
      totalBytes.addAndGet(size);
      return info;
    }
    return index.getOrDefault(digest, info);
  }

  int readChunk() {
    return readChunk;
  }

  @Override
  public Optional<BlobInfo> stat(Digest digest) {
    BlobInfo known = index.get(digest);
    if (known != null) {
      return Optional.of(known);
    }
    // Another replica may have published it since this one listed the bucket.
    return objects
        .head(keys.blob(digest))
        .map(h -> remember(digest, h.contentLength(), h.lastModified()));
  }

  @Override
  public Optional<BlobReader> openReader(Digest digest, BlobRange range) {
    Optional<BlobInfo> info = stat(digest);
    if (info.isEmpty()) {
      return Optional.empty();
    }
    BlobRange.Resolved resolved = range.resolve(info.get().size());
    accesses.record(digest);
    Runnable release = lease(digest);
    return Optional.of(
        new ObjectReader(
            objects,
            keys.blob(digest),
            digest,
            resolved,
            readChunk,
            release,
            () -> forget(digest)));
  }

  /** Counts a reader of {@code digest} until the returned action runs (once). */
  Runnable lease(Digest digest) {
    AtomicInteger count = readers.computeIfAbsent(digest, d -> new AtomicInteger());
    count.incrementAndGet();
    java.util.concurrent.atomic.AtomicBoolean released =
        new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        count.decrementAndGet();
      }
    };
  }

  @Override
  public BlobWriter beginWrite(Digest digest, long expectedSize) {
    Path dir = spoolDir;
    if (dir == null) {
      throw new StorageException(
          "the bucket is open for reading only: cannot write " + digest + " to it");
    }
    return new S3BlobWriter(
        this, objects, keys.blob(digest), digest, expectedSize, partSize, Spool.create(dir));
  }

  void spooling(long bytes) {
    spooling.addAndGet(bytes);
  }

  void spooled(long bytes) {
    spooling.addAndGet(-bytes);
  }

  /** Records a blob its writer has just published (or found published by a racing writer). */
  BlobInfo published(Digest digest, long size) {
    return remember(digest, size, clock.instant());
  }

  /** Drops {@code digest} from the index: the bucket no longer has it. Whether it was there. */
  private synchronized boolean forget(Digest digest) {
    BlobInfo known = index.remove(digest);
    if (known != null) {
      totalBytes.addAndGet(-known.size());
    }
    return known != null;
  }

  /** Drops {@code digest} if its entry is still {@code known}. */
  private synchronized void forget(Digest digest, BlobInfo known) {
    if (index.remove(digest, known)) {
      totalBytes.addAndGet(-known.size());
    }
  }

  @Override
  public synchronized boolean delete(Digest digest) {
    boolean deleted = objects.delete(keys.blob(digest));
    return forget(digest) || deleted;
  }

  @Override
  public synchronized Eviction evict(Digest digest) {
    if (stat(digest).isEmpty()) {
      return Eviction.ABSENT;
    }
    if (readers(digest) > 0) {
      return Eviction.IN_USE;
    }
    delete(digest);
    return Eviction.EVICTED;
  }

  @Override
  public int readers(Digest digest) {
    AtomicInteger count = readers.get(digest);
    return count == null ? 0 : count.get();
  }

  @Override
  public int openReaders() {
    return readers.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /**
   * Lists the bucket again when the last listing is older than {@link BucketListing#RELIST_AFTER}:
   * eviction calls this before it compares the stored bytes with the cap, so each replica's cap
   * counts what all replicas stored, not only what it wrote or read itself.
   */
  @Override
  public void refresh() {
    listing.refresh();
  }

  /** Every blob in the bucket, as last listed (refreshed first, as {@link #refresh} does). */
  @Override
  public void forEach(Consumer<BlobInfo> action) {
    refresh();
    index.values().forEach(action);
  }

  @Override
  public long totalBytes() {
    return totalBytes.get();
  }

  @Override
  public long writingBytes() {
    return spooling.get();
  }

  @Override
  public long count() {
    return index.size();
  }

  @Override
  public void flushAccessTimes() {
    accesses.drainInto(
        (digest, at) ->
            index.computeIfPresent(
                digest, (d, i) -> new BlobInfo(d, i.size(), i.chunkSize(), i.created(), at)));
  }

  /**
   * Chunks of {@link #readChunk} this store holds anywhere: published objects, bytes spooled by
   * unfinished writes, and parts of uploads neither completed nor aborted (a write's parts are its
   * spooled bytes counted twice, which only the "nothing is left" checks need, and they see zero).
   */
  long storedChunks() {
    long[] n = {0};
    objects.list(keys.blobs(), o -> n[0] += (o.size() + readChunk - 1) / readChunk);
    return n[0] + (spooling.get() + readChunk - 1) / readChunk + objects.pendingParts(keys.blobs());
  }
}
