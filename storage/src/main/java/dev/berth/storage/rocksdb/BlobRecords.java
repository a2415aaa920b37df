package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.Digest;
import dev.berth.storage.eviction.AccessRecorder;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The {@code blobs} column family of {@link RocksBlobStore}: each committed blob's record, the
 * totals of bytes and blobs they describe, and every change to them (publish, delete, access-time
 * flush).
 *
 * <p>Those metadata changes take one lock so that a flush can never resurrect a blob deleted
 * meanwhile; chunk writes and reads do not take it.
 */
final class BlobRecords {
  private final RocksDB db;
  private final ColumnFamilyHandle chunks;
  private final ColumnFamilyHandle blobs;
  private final ColumnFamilyHandle uploads;
  private final WriteOptions syncWrites;
  private final WriteOptions plainWrites;
  private final Clock clock;
  private final AccessRecorder accesses;
  private final AtomicLong writingBytes;
  private final BlobFiles files;
  private final ReentrantLock metaLock = new ReentrantLock();
  private final AtomicLong totalBytes = new AtomicLong();
  private final AtomicLong count = new AtomicLong();

  /**
   * @param accesses the access times the store's readers record, written by {@link
   *     #flushAccessTimes}
   * @param writingBytes the store's bytes of unfinished writes; a publish moves its bytes out
   */
  BlobRecords(
      RocksDB db,
      ColumnFamilyHandle chunks,
      ColumnFamilyHandle blobs,
      ColumnFamilyHandle uploads,
      WriteOptions syncWrites,
      WriteOptions plainWrites,
      Clock clock,
      AccessRecorder accesses,
      AtomicLong writingBytes,
      BlobFiles files) {
    this.files = files;
    this.db = db;
    this.chunks = chunks;
    this.blobs = blobs;
    this.uploads = uploads;
    this.syncWrites = syncWrites;
    this.plainWrites = plainWrites;
    this.clock = clock;
    this.accesses = accesses;
    this.writingBytes = writingBytes;
  }

  void loadTotals() {
    long bytes = 0;
    long n = 0;
    try (RocksIterator it = db.newIterator(blobs)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest digest = Digest.fromKeyBytes(it.key(), 0);
        bytes += BlobRecord.decode(digest, it.value()).size();
        n++;
      }
    }
    totalBytes.set(bytes);
    count.set(n);
  }

  @Nullable BlobRecord get(Digest digest) {
    try {
      byte[] value = db.get(blobs, digest.toKeyBytes());
      return value == null ? null : BlobRecord.decode(digest, value);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading metadata of " + digest, e);
    }
  }

  /**
   * Writes the record of a verified write whose bytes are on disk (its chunks, or its file when
   * {@code inFile}), and drops its upload record. Returns the record now visible for the digest:
   * this writer's, or the one a racing writer committed first (this writer's bytes are then
   * dropped).
   */
  BlobRecord publish(Digest digest, long generation, long size, int chunkSize, boolean inFile) {
    metaLock.lock();
    try (WriteBatch batch = new WriteBatch()) {
      BlobRecord existing = get(digest);
      batch.delete(uploads, Keys.upload(digest, generation));
      if (existing != null) {
        batch.deleteRange(
            chunks,
            Keys.chunkRangeStart(digest, generation),
            Keys.chunkRangeEnd(digest, generation));
        if (inFile) {
          files.delete(digest, generation);
        }
        db.write(plainWrites, batch);
        writingBytes.addAndGet(-size);
        return existing;
      }
      long now = clock.millis();
      BlobRecord record = new BlobRecord(size, chunkSize, generation, now, now, inFile);
      batch.put(blobs, digest.toKeyBytes(), record.encode());
      db.write(syncWrites, batch);
      totalBytes.addAndGet(size);
      writingBytes.addAndGet(-size);
      count.incrementAndGet();
      return record;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("committing " + digest, e);
    } finally {
      metaLock.unlock();
    }
  }

  boolean delete(Digest digest) {
    metaLock.lock();
    try (WriteBatch batch = new WriteBatch()) {
      BlobRecord existing = get(digest);
      if (existing == null) {
        return false;
      }
      batch.delete(blobs, digest.toKeyBytes());
      batch.deleteRange(
          chunks,
          Keys.chunkRangeStart(digest, existing.generation()),
          Keys.chunkRangeEnd(digest, existing.generation()));
      db.write(plainWrites, batch);
      if (existing.inFile()) {
        // After the record: a crash in between leaves a file no record names, which the next
        // open deletes; the other order would leave a record without its bytes.
        files.delete(digest, existing.generation());
      }
      totalBytes.addAndGet(-existing.size());
      count.decrementAndGet();
      return true;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("deleting " + digest, e);
    } finally {
      metaLock.unlock();
    }
  }

  void forEach(Consumer<BlobInfo> action) {
    try (RocksIterator it = db.newIterator(blobs)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest digest = Digest.fromKeyBytes(it.key(), 0);
        action.accept(BlobRecord.decode(digest, it.value()).toInfo(digest));
      }
    }
  }

  long totalBytes() {
    return totalBytes.get();
  }

  long count() {
    return count.get();
  }

  void flushAccessTimes() {
    AccessTimeFlush.flush(
        accesses,
        db,
        plainWrites,
        metaLock,
        "writing access times",
        (batch, digest, millis) -> {
          BlobRecord record = get(digest);
          if (record != null && record.accessMillis() < millis) {
            batch.put(blobs, digest.toKeyBytes(), record.withAccess(millis).encode());
          }
        });
  }
}
