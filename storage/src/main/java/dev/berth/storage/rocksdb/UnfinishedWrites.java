package dev.berth.storage.rocksdb;

import dev.berth.storage.Digest;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Recovery at open: the writes a crash left unfinished, found through their records in the {@code
 * uploads} column family, have their chunks or their file deleted and the space those take freed.
 */
final class UnfinishedWrites {
  private UnfinishedWrites() {}

  /**
   * Deletes the chunks of every write a crash left unfinished, and compacts each deleted range so
   * that their disk space is freed now; returns how many writes there were.
   *
   * <p>A range deletion only writes a tombstone: the chunks a flush had already put on disk stay
   * there until a compaction drops them, and RocksDB compacts on its own schedule (the RocksDB
   * wiki, "Delete A Range Of Keys": the space "will not be reclaimed immediately"). Chunk values
   * live in blob files, which RocksDB deletes once compaction has dropped every key referencing
   * them. A range compaction touches only the level-0 files and the few files whose keys overlap
   * the range, and their keys are small (the values stay in the blob files), so it is cheap even on
   * a large cache. The bottommost level is compacted too ({@code kForceOptimized}): RocksDB's
   * default skips it, and that is where most chunk keys sit.
   */
  static int reclaim(
      RocksDB db,
      ColumnFamilyHandle chunks,
      ColumnFamilyHandle uploads,
      WriteOptions syncWrites,
      BlobFiles files)
      throws RocksDBException {
    List<byte[][]> ranges = new ArrayList<>();
    try (RocksIterator it = db.newIterator(uploads);
        WriteBatch batch = new WriteBatch()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        Digest digest = Keys.uploadDigest(key);
        long generation = Keys.uploadGeneration(key);
        byte[] start = Keys.chunkRangeStart(digest, generation);
        byte[] end = Keys.chunkRangeEnd(digest, generation);
        batch.deleteRange(chunks, start, end);
        batch.delete(uploads, key);
        ranges.add(new byte[][] {start, end});
        files.delete(digest, generation); // a large blob's partial file, if it was one
      }
      if (!ranges.isEmpty()) {
        db.write(syncWrites, batch);
      }
    }
    try (CompactRangeOptions bottomToo =
        new CompactRangeOptions()
            .setBottommostLevelCompaction(
                CompactRangeOptions.BottommostLevelCompaction.kForceOptimized)) {
      for (byte[][] range : ranges) {
        db.compactRange(chunks, range[0], range[1], bottomToo);
      }
    }
    return ranges.size();
  }
}
