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

/**
 * {@link BlobStore} over the {@code chunks}, {@code blobs} and {@code uploads} column families: the
 * chunk writes and reads, the readers' leases, and the start and end of each write. The committed
 * records, their totals and the metadata lock are {@link BlobRecords}'.
 */
final class RocksBlobStore implements BlobStore {
  private final RocksDB db;
  private final ColumnFamilyHandle chunks;
  private final ColumnFamilyHandle uploads;
  private final WriteOptions syncWrites;
  private final WriteOptions plainWrites;
  private final WriteOptions chunkWrites;
  private final FlushOptions flushChunks;
  private final ReadOptions readOptions;
  private final StorageOptions options;
  private final AccessRecorder accesses;
  private final AtomicLong writingBytes = new AtomicLong();
  private final BlobRecords records;
  private final SecureRandom generations = new SecureRandom();
  private final ReaderLeases leases = new ReaderLeases();
  private final ChunkBuffers writeBuffers;

  RocksBlobStore(
      RocksDB db,
      ColumnFamilyHandle chunks,
      ColumnFamilyHandle blobs,
      ColumnFamilyHandle uploads,
      WriteOptions syncWrites,
      WriteOptions plainWrites,
      WriteOptions chunkWrites,
      FlushOptions flushChunks,
      ReadOptions readOptions,
      StorageOptions options) {
    this.db = db;
    this.chunkWrites = chunkWrites;
    this.flushChunks = flushChunks;
    this.readOptions = readOptions;
    this.chunks = chunks;
    this.uploads = uploads;
    this.syncWrites = syncWrites;
    this.plainWrites = plainWrites;
    this.options = options;
    // Writes in flight at once, about: more are allocated and left to the collector.
    this.writeBuffers = new ChunkBuffers(options.chunkSize(), 16);
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
            writingBytes);
  }

  /** Reclaims what a crash left unfinished: see {@link UnfinishedWrites#reclaim}. */
  int reclaimUnfinishedWrites() throws RocksDBException {
    return UnfinishedWrites.reclaim(db, chunks, uploads, syncWrites);
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
      accesses.record(digest);
      return Optional.of(new CommittedBlobReader(this, digest, record, resolved, release));
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
    boolean logged = expectedSize >= 0 && expectedSize <= LOGGED_UP_TO;
    return new RocksBlobWriter(this, digest, generation, expectedSize, options.chunkSize(), logged);
  }

  /**
   * Blobs up to this declared size write their chunks through the WAL, which the synced commit
   * record then makes durable with them; larger ones (and those of unknown size) skip the WAL and
   * are flushed to their files at {@link #publish}. A flush per small blob cost more than the WAL's
   * second copy of its bytes: an image of many small layers made one flush per layer.
   */
  static final long LOGGED_UP_TO = 4L << 20;

  /**
   * Stores {@code value} (position to limit) as a chunk. A direct buffer goes to RocksDB without a
   * copy into a Java array and back out of it. Chunks skip the WAL unless {@code logged} (a small
   * blob, {@link #LOGGED_UP_TO}): {@link #publish} flushes them to their files before the commit
   * record is written. The bytes count as {@link #writingBytes} until the write is published or
   * discarded.
   *
   * @return the bytes stored
   */
  int putChunk(Digest digest, long generation, int index, ByteBuffer value, boolean logged) {
    int bytes = value.remaining();
    WriteOptions writes = logged ? plainWrites : chunkWrites;
    try {
      if (value.isDirect()) {
        db.put(chunks, writes, directChunkKey(digest, generation, index), value);
      } else {
        byte[] key = Keys.chunk(digest, generation, index);
        db.put(
            chunks,
            writes,
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
   * Publishes a verified write of {@code size} stored bytes. Returns the record now visible for the
   * digest: this writer's, or the one a racing writer committed first (this writer's chunks are
   * then dropped).
   */
  BlobRecord publish(Digest digest, long generation, long size, int chunkSize, boolean logged) {
    if (!logged) {
      try {
        // Chunks were written without the WAL (it cost a second copy of every byte,
        // checksummed): they become durable here, before the commit record that makes them
        // visible.
        db.flush(flushChunks, chunks);
      } catch (RocksDBException e) {
        throw RocksErrors.translate("flushing the chunks of " + digest, e);
      }
    }
    // A logged write's chunks are in the WAL before the commit record, whose synced write makes
    // the WAL durable up to it: chunks and record survive a crash together.
    return records.publish(digest, generation, size, chunkSize);
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
          + db.getLongProperty(chunks, "rocksdb.live-blob-file-size");
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading the size of the chunk files", e);
    }
  }

  /** Counts every key in the chunks column family; for crash tests. */
  long countAllChunks() {
    long n = 0;
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
