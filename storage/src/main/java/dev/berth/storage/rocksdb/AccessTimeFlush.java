package dev.berth.storage.rocksdb;

import dev.berth.storage.Digest;
import dev.berth.storage.eviction.AccessRecorder;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Writes the access times an {@link AccessRecorder} collected, in one batch under the store's
 * metadata lock, for the blob and the manifest store alike: reads never write, and eviction sees
 * the times within a flush interval.
 */
final class AccessTimeFlush {
  /** Adds one digest's access time to the batch, or nothing when the entry is gone. */
  @FunctionalInterface
  interface Put {
    void put(WriteBatch batch, Digest digest, long accessMillis) throws RocksDBException;
  }

  private AccessTimeFlush() {}

  /**
   * @param what for the error, e.g. "writing access times"
   */
  static void flush(
      AccessRecorder accesses,
      RocksDB db,
      WriteOptions options,
      Lock metaLock,
      String what,
      Put put) {
    Map<Digest, Long> drained = accesses.drain();
    if (drained.isEmpty()) {
      return;
    }
    metaLock.lock();
    try (WriteBatch batch = new WriteBatch()) {
      for (Map.Entry<Digest, Long> access : drained.entrySet()) {
        put.put(batch, access.getKey(), access.getValue());
      }
      db.write(options, batch);
    } catch (RocksDBException e) {
      throw RocksErrors.translate(what, e);
    } finally {
      metaLock.unlock();
    }
  }
}
