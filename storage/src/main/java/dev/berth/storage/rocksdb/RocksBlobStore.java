package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.ChunkBuffers;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.eviction.AccessRecorder;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BlobStore} over the {@code chunks}, {@code blobs} and {@code uploads} column families: the
 * chunk writes and reads, the readers' leases, and the start and end of each write. The committed
 * records, their totals and the metadata lock are {@link BlobRecords}'.
 */
final class RocksBlobStore implements BlobStore {
  private static final Logger log = LoggerFactory.getLogger(RocksBlobStore.class);
  private final RocksDB db;
  private final ColumnFamilyHandle chunks;
  private final ColumnFamilyHandle uploads;
  private final WriteOptions syncWrites;
  private final WriteOptions plainWrites;
  private final FlushOptions flushChunks;
  private final BlobFiles files;
  private final ReadOptions readOptions;
  private final StorageOptions options;
  private final AccessRecorder accesses;
  private final AtomicLong writingBytes = new AtomicLong();
  private final BlobRecords records;
  private final SecureRandom generations = new SecureRandom();
  private final ReaderLeases leases = new ReaderLeases();
  private final ChunkBuffers writeBuffers;
  private final int stageSize;
  private final ChunkBuffers stageBuffers;

  RocksBlobStore(
      RocksDB db,
      ColumnFamilyHandle chunks,
      ColumnFamilyHandle blobs,
      ColumnFamilyHandle uploads,
      WriteOptions syncWrites,
      WriteOptions plainWrites,
      FlushOptions flushChunks,
      ReadOptions readOptions,
      StorageOptions options,
      BlobFiles files) {
    this.db = db;
    this.files = files;
    this.flushChunks = flushChunks;
    this.readOptions = readOptions;
    this.chunks = chunks;
    this.uploads = uploads;
    this.syncWrites = syncWrites;
    this.plainWrites = plainWrites;
    this.options = options;
    // Writes in flight at once, about: more are allocated and left to the collector.
    this.writeBuffers = new ChunkBuffers(options.chunkSize(), 16);
    int align = BlobFiles.ALIGNMENT;
    this.stageSize = (options.chunkSize() + align - 1) / align * align;
    this.stageBuffers = new ChunkBuffers(stageSize, 16, align);
    this.accesses = new AccessRecorder(options.clock());
    this.records =
        new BlobRecords(
            db,
            chunks,
            blobs,
            uploads,
            syncWrites,
            plainWrites,
            options.clock(),
            accesses,
            writingBytes,
            files);
  }

  /**
   * Reclaims what a crash left unfinished (see {@link UnfinishedWrites#reclaim}), then deletes the
   * blob files no record names: a crash between a delete's record and its file.
   *
   * @return how many writes and files were reclaimed
   */
  int reclaimUnfinishedWrites() throws RocksDBException {
    int reclaimed = UnfinishedWrites.reclaim(db, chunks, uploads, syncWrites, files);
    int[] orphans = {0};
    files.forEach(
        (digest, generation) -> {
          BlobRecord record = record(digest);
          if (record == null || !record.inFile() || record.generation() != generation) {
            files.delete(digest, generation);
            orphans[0]++;
          }
        });
    return reclaimed + orphans[0];
  }

  BlobFiles files() {
    return files;
  }

  int chunkSize() {
    return options.chunkSize();
  }

  void addWritingBytes(long bytes) {
    writingBytes.addAndGet(bytes);
  }

  void loadTotals() {
    records.loadTotals();
  }

  @Nullable BlobRecord record(Digest digest) {
    return records.get(digest);
  }

  @Override
  public Optional<BlobInfo> stat(Digest digest) {
    BlobRecord record = record(digest);
    return record == null ? Optional.empty() : Optional.of(record.toInfo(digest));
  }

  @Override
  public Optional<BlobReader> openReader(Digest digest, BlobRange range) {
    if (!leases.acquire(digest)) {
      return Optional.empty(); // being evicted right now: a miss, fetched again
    }
    Runnable release = releaseOnce(digest);
    try {
      BlobRecord record = record(digest);
      if (record == null) {
        release.run();
        return Optional.empty();
      }
      BlobRange.Resolved resolved = range.resolve(record.size());
      BlobReader reader =
          record.inFile()
              ? new FileBlobReader(this, digest, record, resolved, release)
              : new CommittedBlobReader(this, digest, record, resolved, release);
      accesses.record(digest);
      return Optional.of(reader);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
  }

  /**
   * A lease for a reader following a write: once the write commits, its chunks are the blob's, and
   * eviction must wait for the follower as for any reader. An eviction of an older copy of the same
   * digest takes milliseconds; the follower waits for it rather than go unprotected.
   */
  Runnable leaseForFollower(Digest digest) {
    while (!leases.acquire(digest)) {
      Thread.onSpinWait();
    }
    return releaseOnce(digest);
  }

  private Runnable releaseOnce(Digest digest) {
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        leases.release(digest);
      }
    };
  }

  @Override
  public Eviction evict(Digest digest) {
    if (!leases.claimForEviction(digest)) {
      return Eviction.IN_USE;
    }
    try {
      return delete(digest) ? Eviction.EVICTED : Eviction.ABSENT;
    } finally {
      leases.endEviction(digest);
    }
  }

  @Override
  public int readers(Digest digest) {
    return leases.readers(digest);
  }

  @Override
  public int openReaders() {
    return leases.total();
  }

  /** The aligned buffers of this store's blob file writers: {@link #stageSize} bytes each. */
  ChunkBuffers stageBuffers() {
    return stageBuffers;
  }

  /** What a blob file writer writes at once: a chunk, rounded up to direct I/O's alignment. */
  int stageSize() {
    return stageSize;
  }

  /** The chunk buffers of this store's writers. */
  ChunkBuffers writeBuffers() {
    return writeBuffers;
  }

  @Override
  public BlobWriter beginWrite(Digest digest, long expectedSize) {
    long generation = generations.nextLong();
    try {
      // Synced before the first chunk: after a crash, this record is how the chunks are found.
      db.put(
          uploads,
          syncWrites,
          Keys.upload(digest, generation),
          ByteBuffer.allocate(16).putLong(expectedSize).putLong(options.clock().millis()).array());
    } catch (RocksDBException e) {
      throw RocksErrors.translate("starting write of " + digest, e);
    }
    if (options.storesInline(expectedSize)) {
      return new RocksBlobWriter(this, digest, generation, expectedSize, options.chunkSize());
    }
    try {
      return new FileBlobWriter(this, digest, generation, expectedSize);
    } catch (RuntimeException e) {
      discard(digest, generation, 0); // no file: only the upload record to drop
      throw e;
    }
  }

  /**
   * Stores {@code value} (position to limit) as a chunk of a small blob ({@link
   * StorageOptions#inlineUpTo}). A direct buffer goes to RocksDB without a copy into a Java array
   * and back out of it. Chunks go through the WAL, which the synced commit record then makes
   * durable with them: no flush per blob (an image of many small layers made one flush per layer
   * when they skipped the WAL). The bytes count as {@link #writingBytes} until the write is
   * published or discarded.
   *
   * @return the bytes stored
   */
  int putChunk(Digest digest, long generation, int index, ByteBuffer value) {
    int bytes = value.remaining();
    try {
      if (value.isDirect()) {
        db.put(chunks, plainWrites, directChunkKey(digest, generation, index), value);
      } else {
        byte[] key = Keys.chunk(digest, generation, index);
        db.put(
            chunks,
            plainWrites,
            key,
            0,
            key.length,
            value.array(),
            value.arrayOffset() + value.position(),
            value.remaining());
        value.position(value.limit());
      }
      writingBytes.addAndGet(bytes);
      return bytes;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("writing chunk " + index + " of " + digest, e);
    }
  }

  /**
   * Reads a chunk into {@code into} from position 0 (a direct buffer: no Java array is allocated
   * and nothing is copied through the heap).
   *
   * @return the chunk's length, or -1 when it is not stored
   * @throws IllegalArgumentException when the chunk does not fit into {@code into}
   */
  int getChunkInto(Digest digest, long generation, int index, ByteBuffer into) {
    into.clear();
    try {
      int length;
      if (into.isDirect()) {
        length = db.get(chunks, readOptions, directChunkKey(digest, generation, index), into);
      } else {
        byte[] key = Keys.chunk(digest, generation, index);
        length =
            db.get(
                chunks,
                readOptions,
                key,
                0,
                key.length,
                into.array(),
                into.arrayOffset(),
                into.capacity());
      }
      if (length > into.capacity()) {
        throw new IllegalArgumentException(
            "chunk "
                + index
                + " of "
                + digest
                + " has "
                + length
                + " bytes, more than "
                + into.capacity());
      }
      return length == RocksDB.NOT_FOUND ? -1 : length;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading chunk " + index + " of " + digest, e);
    }
  }

  /** RocksDB wants a direct key with a direct value: one per thread, reused. */
  private static final ThreadLocal<ByteBuffer> DIRECT_KEY =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Keys.CHUNK_KEY_MAX));

  private static ByteBuffer directChunkKey(Digest digest, long generation, int index) {
    ByteBuffer buffer = DIRECT_KEY.get();
    buffer.clear();
    buffer.put(Keys.chunk(digest, generation, index)).flip();
    return buffer;
  }

  /**
   * Publishes a verified write of {@code size} stored bytes in chunks. Returns the record now
   * visible for the digest: this writer's, or the one a racing writer committed first (this
   * writer's chunks are then dropped). The chunks are in the WAL before the commit record, whose
   * synced write makes the WAL durable up to it: chunks and record survive a crash together.
   */
  BlobRecord publish(Digest digest, long generation, long size, int chunkSize) {
    return records.publish(digest, generation, size, chunkSize, false);
  }

  /** Publishes a verified write whose synced file holds its {@code size} bytes; see above. */
  BlobRecord publishFile(Digest digest, long generation, long size) {
    return records.publish(digest, generation, size, options.chunkSize(), true);
  }

  /** Drops an unfinished write's file ({@code stored} bytes) and its upload record. */
  void discardFile(Digest digest, long generation, long stored) {
    files.delete(digest, generation);
    discard(digest, generation, stored);
  }

  static void logDiscardFailure(Digest digest, Exception e) {
    log.warn("discarding write of {} failed, reclaimed at next start: {}", digest, e.toString());
  }

  /**
   * Drops an unfinished write's chunks ({@code stored} bytes) and its upload record in one batch.
   * Chunks still in the memtable never reach a file (a flush drops keys a range tombstone covers);
   * chunks a flush already wrote stay on disk until RocksDB compacts them.
   */
  void discard(Digest digest, long generation, long stored) {
    try (WriteBatch batch = new WriteBatch()) {
      batch.deleteRange(
          chunks, Keys.chunkRangeStart(digest, generation), Keys.chunkRangeEnd(digest, generation));
      batch.delete(uploads, Keys.upload(digest, generation));
      db.write(plainWrites, batch);
      writingBytes.addAndGet(-stored);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("discarding write of " + digest, e);
    }
  }

  @Override
  public boolean delete(Digest digest) {
    return records.delete(digest);
  }

  @Override
  public void forEach(Consumer<BlobInfo> action) {
    records.forEach(action);
  }

  @Override
  public long totalBytes() {
    return records.totalBytes();
  }

  @Override
  public long writingBytes() {
    return writingBytes.get();
  }

  @Override
  public long count() {
    return records.count();
  }

  @Override
  public void flushAccessTimes() {
    records.flushAccessTimes();
  }

  /** Counts stored chunk keys of one writer generation; for crash tests. */
  int countChunks(Digest digest, long generation) {
    int n = 0;
    byte[] end = Keys.chunkRangeEnd(digest, generation);
    try (RocksIterator it = db.newIterator(chunks)) {
      for (it.seek(Keys.chunkRangeStart(digest, generation));
          it.isValid() && java.util.Arrays.compareUnsigned(it.key(), end) < 0;
          it.next()) {
        n++;
      }
    }
    return n;
  }

  /** Writes the chunks column family's memtable to its files, as a concurrent commit would. */
  void flushChunks() {
    try {
      db.flush(flushChunks, chunks);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("flushing chunks", e);
    }
  }

  /**
   * Bytes of the chunks column family's live files, as RocksDB accounts them: its SST files (the
   * keys) and its blob files (the chunk values). For tests.
   */
  long chunkFileBytes() {
    try {
      return db.getLongProperty(chunks, "rocksdb.live-sst-files-size")
          + db.getLongProperty(chunks, "rocksdb.live-blob-file-size")
          + files.totalBytes();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading the size of the chunk files", e);
    }
  }

  /** Counts every key in the chunks column family and every blob file; for crash tests. */
  long countAllChunks() {
    long n = files.count();
    try (RocksIterator it = db.newIterator(chunks)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
      }
    }
    return n;
  }

  /** Counts unfinished writes; for crash tests. */
  long countUploads() {
    long n = 0;
    try (RocksIterator it = db.newIterator(uploads)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
      }
    }
    return n;
  }

  static StorageException closedWriter(Digest digest) {
    return new StorageException("write of " + digest + " is already finished");
  }
}
