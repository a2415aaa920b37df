package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write left unfinished by a crash, whose chunks a flush had already put on disk: while it runs
 * its bytes count against the cap, and the next open removes them from the accounting and from the
 * disk (not only from sight).
 */
class UnfinishedWriteReclaimTest {
  private static final int CHUNK = 64 << 10;
  private static final int PARTIAL_CHUNKS = 40;

  @TempDir Path dir;

  @Test
  void reopen_afterCrashMidWrite_freesTheFlushedChunksAndCountsNothing() {
    // Both above LOGGED_UP_TO: their chunks skip the WAL and a commit flushes them to files.
    TestContent kept = new TestContent(1, RocksBlobStore.LOGGED_UP_TO + 5L * CHUNK + 7);
    TestContent partial = new TestContent(2, RocksBlobStore.LOGGED_UP_TO + 32L * CHUNK);
    long filesWithPartial;
    long keptFiles;
    RocksStorage storage = open();
    try {
      RocksBlobStore blobs = (RocksBlobStore) storage.blobs();
      try (BlobWriter w = blobs.beginWrite(kept.digest(), kept.size())) {
        w.append(ByteBuffer.wrap(kept.all()));
        w.commit(); // flushes its chunks into files of their own
      }
      keptFiles = blobs.chunkFileBytes();
      BlobWriter crashed = blobs.beginWrite(partial.digest(), partial.size());
      crashed.append(ByteBuffer.wrap(partial.bytes(0, PARTIAL_CHUNKS * CHUNK)));
      assertEquals((long) PARTIAL_CHUNKS * CHUNK, blobs.writingBytes(), "in-progress bytes");
      blobs.flushChunks(); // as a concurrent commit would: the partial chunks are now on disk
      filesWithPartial = blobs.chunkFileBytes();
      assertTrue(
          filesWithPartial >= keptFiles + (long) PARTIAL_CHUNKS * CHUNK,
          "the partial chunks did not reach the files: " + filesWithPartial);
      // The crash: neither commit nor abort; the upload record stays.
    } finally {
      storage.close();
    }

    try (RocksStorage reopened = open()) {
      RocksBlobStore blobs = (RocksBlobStore) reopened.blobs();
      assertTrue(blobs.stat(partial.digest()).isEmpty());
      assertEquals(0, blobs.countUploads());
      assertEquals(0, blobs.writingBytes(), "reclaimed bytes still counted");
      assertEquals(kept.size(), reopened.storedBytes());
      long after = blobs.chunkFileBytes();
      assertTrue(
          after <= filesWithPartial - (long) PARTIAL_CHUNKS * CHUNK,
          "the reclaimed chunks still occupy the disk: "
              + after
              + " bytes of chunk files, "
              + filesWithPartial
              + " before the crash, "
              + keptFiles
              + " without the partial write");
      assertTrue(rehashes(reopened, kept), "the committed blob survives the compaction");
    }
  }

  private RocksStorage open() {
    return RocksStorage.open(
        dir, new StorageOptions(CHUNK, Duration.ofHours(1), Clock.systemUTC()));
  }

  private static boolean rehashes(RocksStorage storage, TestContent content) {
    DigestVerifier verifier = content.digest().newVerifier();
    try (BlobReader reader =
        storage.blobs().openReader(content.digest(), BlobRange.all()).orElseThrow()) {
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        verifier.update(b);
      }
    }
    return verifier.verify();
  }
}
