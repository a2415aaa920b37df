package dev.berth.storage.memory;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.eviction.AccessRecorder;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@link BlobStore} in the heap, with the RocksDB store's contract: visible only after the digest
 * matched, racing writers leave one blob, followers of a write, eviction never under a reader,
 * access times written in batches, and a {@link MemoryDisk} that fills. Holds every blob in memory:
 * for tests with small blobs only.
 */
public final class MemoryBlobStore implements BlobStore {
  private record Stored(BlobInfo info, List<byte[]> chunks) {}

  private final int chunkSize;
  private final Clock clock;
  private final MemoryDisk disk;
  private final ConcurrentSkipListMap<Digest, Stored> blobs = new ConcurrentSkipListMap<>();
  private final AccessRecorder accesses;
  private final Map<Digest, AtomicInteger> readers = new ConcurrentHashMap<>();
  private final Set<MemoryBlobWriter> writers = ConcurrentHashMap.newKeySet();
  private final AtomicLong totalBytes = new AtomicLong();
  private final AtomicLong writingBytes = new AtomicLong();

  public MemoryBlobStore(int chunkSize, Clock clock, MemoryDisk disk) {
    this.chunkSize = chunkSize;
    this.clock = clock;
    this.accesses = new AccessRecorder(clock);
    this.disk = disk;
  }

  @Override
  public Optional<BlobInfo> stat(Digest digest) {
    return Optional.ofNullable(blobs.get(digest)).map(Stored::info);
  }

  @Override
  public Optional<BlobReader> openReader(Digest digest, BlobRange range) {
    Stored stored = blobs.get(digest);
    if (stored == null) {
      return Optional.empty();
    }
    accesses.record(digest);
    MemoryWrite done = MemoryWrite.done(stored.chunks(), stored.info().size());
    return Optional.of(follow(digest, stored.info().chunkSize(), done, range));
  }

  BlobReader follow(Digest digest, int readerChunkSize, MemoryWrite write, BlobRange range) {
    AtomicInteger count = readers.computeIfAbsent(digest, d -> new AtomicInteger());
    count.incrementAndGet();
    try {
      return new MemoryBlobReader(digest, readerChunkSize, write, range, count::decrementAndGet);
    } catch (RuntimeException e) {
      count.decrementAndGet();
      throw e;
    }
  }

  @Override
  public BlobWriter beginWrite(Digest digest, long expectedSize) {
    MemoryBlobWriter writer = new MemoryBlobWriter(this, digest, expectedSize, chunkSize);
    writers.add(writer);
    return writer;
  }

  void take(long bytes, Digest digest) {
    disk.take(bytes, "writing " + digest);
    writingBytes.addAndGet(bytes);
  }

  void discard(MemoryBlobWriter writer, long taken) {
    writers.remove(writer);
    disk.give(taken);
    writingBytes.addAndGet(-taken);
  }

  synchronized BlobInfo publish(MemoryBlobWriter writer, long size, long taken) {
    writers.remove(writer);
    writingBytes.addAndGet(-taken);
    Digest digest = writer.digest();
    Stored existing = blobs.get(digest);
    if (existing != null) {
      disk.give(taken); // the first commit won; this copy goes
      writer.write().committed(existing.chunks(), existing.info().size());
      return existing.info();
    }
    Instant now = clock.instant();
    List<byte[]> chunks = writer.write().chunks();
    BlobInfo info = new BlobInfo(digest, size, chunkSize, now, now);
    blobs.put(digest, new Stored(info, chunks));
    totalBytes.addAndGet(size);
    writer.write().committed(chunks, size);
    return info;
  }

  @Override
  public synchronized boolean delete(Digest digest) {
    Stored removed = blobs.remove(digest);
    if (removed == null) {
      return false;
    }
    totalBytes.addAndGet(-removed.info().size());
    disk.give(removed.info().size());
    return true;
  }

  @Override
  public synchronized Eviction evict(Digest digest) {
    if (!blobs.containsKey(digest)) {
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

  @Override
  public void forEach(Consumer<BlobInfo> action) {
    blobs.values().forEach(s -> action.accept(s.info()));
  }

  @Override
  public long totalBytes() {
    return totalBytes.get();
  }

  @Override
  public long writingBytes() {
    return writingBytes.get();
  }

  @Override
  public long count() {
    return blobs.size();
  }

  @Override
  public void flushAccessTimes() {
    accesses.drainInto(
        (digest, at) ->
            blobs.computeIfPresent(
                digest,
                (d, s) -> {
                  BlobInfo i = s.info();
                  return new Stored(
                      new BlobInfo(d, i.size(), i.chunkSize(), i.created(), at), s.chunks());
                }));
  }

  /** Chunks held, committed or not: a failed write must leave none. */
  public long chunkCount() {
    long n = 0;
    for (Stored s : blobs.values()) {
      n += s.chunks().size();
    }
    for (MemoryBlobWriter w : writers) {
      n += w.chunks();
    }
    return n;
  }
}
