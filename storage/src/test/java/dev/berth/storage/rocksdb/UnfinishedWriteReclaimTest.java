package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write left unfinished by a crash, whose chunks a flush had already put on disk, or whose file
 * had part of the blob: while it runs its bytes count against the cap, and the next open removes
 * them from the accounting and from the disk (not only from sight). So does it a blob file no
 * record names.
 */
class UnfinishedWriteReclaimTest {
  private static final int CHUNK = 64 << 10;
  private static final int PARTIAL_CHUNKS = 40;

  @TempDir Path dir;

  /** Large enough for both blobs of the chunk test: they are stored as chunks. */
  private static final long INLINE_UP_TO = 16L << 20;

  @Test
  void reopen_afterCrashMidWrite_freesTheFlushedChunksAndCountsNothing() {
    TestContent kept = new TestContent(1, 4L * CHUNK * 16 + 5L * CHUNK + 7);
    TestContent partial = new TestContent(2, 4L * CHUNK * 16 + 32L * CHUNK);
    long filesWithPartial;
    long keptFiles;
    RocksStorage storage = open(INLINE_UP_TO);
    try {
      RocksBlobStore blobs = (RocksBlobStore) storage.blobs();
      try (BlobWriter w = blobs.beginWrite(kept.digest(), kept.size())) {
        w.append(ByteBuffer.wrap(kept.all()));
        w.commit();
      }
      blobs.flushChunks(); // its chunks now in table and blob files
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

    try (RocksStorage reopened = open(INLINE_UP_TO)) {
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

  @Test
  void reopen_afterCrashMidWriteOfABlobFile_deletesTheFileAndAnOrphan() throws Exception {
    TestContent kept = new TestContent(3, StorageOptions.DEFAULT_INLINE_UP_TO + 5L * CHUNK + 7);
    TestContent partial = new TestContent(4, StorageOptions.DEFAULT_INLINE_UP_TO + 32L * CHUNK);
    TestContent deleted = new TestContent(5, StorageOptions.DEFAULT_INLINE_UP_TO + 1);
    Path orphan;
    RocksStorage storage = open(StorageOptions.DEFAULT_INLINE_UP_TO);
    try {
      RocksBlobStore blobs = (RocksBlobStore) storage.blobs();
      for (TestContent c : new TestContent[] {kept, deleted}) {
        try (BlobWriter w = blobs.beginWrite(c.digest(), c.size())) {
          w.append(ByteBuffer.wrap(c.all()));
          w.commit();
        }
      }
      assertEquals(kept.size() + deleted.size(), blobs.files().totalBytes(), "one file each");
      // A crash between a delete's record and its file: the file stays, no record names it.
      BlobRecord record = blobs.record(deleted.digest());
      orphan = blobs.files().path(deleted.digest(), record.generation());
      Path saved = dir.resolve("saved");
      Files.copy(orphan, saved);
      assertTrue(blobs.delete(deleted.digest()));
      assertFalse(Files.exists(orphan), "a deleted blob's file stays");
      Files.move(saved, orphan);

      BlobWriter crashed = blobs.beginWrite(partial.digest(), partial.size());
      crashed.append(ByteBuffer.wrap(partial.bytes(0, PARTIAL_CHUNKS * CHUNK)));
      assertEquals((long) PARTIAL_CHUNKS * CHUNK, blobs.writingBytes(), "in-progress bytes");
      long expected = kept.size() + deleted.size() + (long) PARTIAL_CHUNKS * CHUNK;
      // The last chunk's write may still run behind the writer, on the I/O thread.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (blobs.files().totalBytes() < expected && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertEquals(expected, blobs.files().totalBytes(), "the partial file is on disk");
      // The crash: neither commit nor abort; the upload record stays.
    } finally {
      storage.close();
    }

    try (RocksStorage reopened = open(StorageOptions.DEFAULT_INLINE_UP_TO)) {
      RocksBlobStore blobs = (RocksBlobStore) reopened.blobs();
      assertTrue(blobs.stat(partial.digest()).isEmpty());
      assertEquals(0, blobs.countUploads());
      assertEquals(0, blobs.writingBytes(), "reclaimed bytes still counted");
      assertEquals(kept.size(), reopened.storedBytes());
      assertFalse(Files.exists(orphan), "the orphan file stays");
      assertEquals(kept.size(), blobs.files().totalBytes(), "only the kept blob's file stays");
      assertEquals(1, blobs.files().count());
      assertTrue(rehashes(reopened, kept));
    }
  }

  private RocksStorage open(long inlineUpTo) {
    return RocksStorage.open(
        dir.resolve("db"),
        new StorageOptions(CHUNK, Duration.ofHours(1), Clock.systemUTC(), inlineUpTo));
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
