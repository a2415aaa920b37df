package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.FileSpan;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.testing.TestContent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every rule of the blob store for blobs kept one file each ({@link BlobFiles}), and what only
 * those have: the span a server sends with {@code sendfile}, the file's mode, its size checked at
 * open, and the records written before blob files existed.
 */
class RocksFileBlobStoreConformanceTest extends RocksBlobStoreConformanceTest {

  @Override
  protected long inlineUpTo() {
    return -1; // every blob, even an empty one, is a file
  }

  @Override
  void largeBlob_streamsWithBoundedMemory() {
    // Not repeated: the default layout already writes that blob as a file.
  }

  private TestContent commit(long seed, long size) {
    TestContent content = new TestContent(seed, size);
    try (BlobWriter w = store().beginWrite(content.digest(), size)) {
      appendInPieces(w, content, 0, size, 10_000);
      w.commit();
    }
    return content;
  }

  private RocksBlobStore rocks() {
    return (RocksBlobStore) store();
  }

  @Test
  void committedBlob_offersItsRangeAsAFileSpan_thatHoldsExactlyThoseBytes() throws IOException {
    TestContent content = commit(41, 3L * chunkSize() + 5);
    try (BlobReader reader =
        store().openReader(content.digest(), BlobRange.closed(100, 70_000)).orElseThrow()) {
      FileSpan span = reader.remainingAsFile().orElseThrow();
      assertEquals(100, span.offset());
      assertEquals(69_901, span.length());
      ByteBuffer got = ByteBuffer.allocate((int) span.length());
      while (got.hasRemaining()) {
        span.channel().read(got, span.offset() + got.position());
      }
      assertArrayEquals(content.bytes(100, 69_901), got.array());
      reader.readInto(ByteBuffer.allocateDirect(chunkSize()));
      assertEquals(100 + chunkSize(), reader.remainingAsFile().orElseThrow().offset());
    }
  }

  @Test
  void aBlobDeletedUnderItsReader_isStillSentWhole() throws IOException {
    TestContent content = commit(42, 2L * chunkSize());
    try (BlobReader reader = store().openReader(content.digest(), BlobRange.all()).orElseThrow()) {
      assertEquals(BlobStore.Eviction.IN_USE, store().evict(content.digest()));
      assertTrue(store().delete(content.digest())); // a purge: not refused under a reader
      FileSpan span = reader.remainingAsFile().orElseThrow();
      ByteBuffer got = ByteBuffer.allocate((int) span.length());
      while (got.hasRemaining()) {
        span.channel().read(got, span.offset() + got.position());
      }
      assertArrayEquals(content.all(), got.array());
    }
    assertEquals(0, rocks().files().count(), "the deleted blob's file stays");
  }

  /** Whether this test's files are written with direct I/O (ext4 and tmpfs take it). */
  protected boolean expectDirectIo() {
    return true;
  }

  @Test
  void blobFiles_areWrittenDirectOrBufferedAsChosen() {
    commit(49, 3L * chunkSize() + 1);
    assertEquals(expectDirectIo(), rocks().files().directIo());
  }

  @Test
  void blobFiles_areOwnerOnly() throws IOException {
    TestContent content = commit(43, 1000);
    Path file =
        rocks().files().path(content.digest(), rocks().record(content.digest()).generation());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void aTruncatedFile_isCorrupt_notServedShort() throws IOException {
    TestContent content = commit(44, 2L * chunkSize());
    Path file =
        rocks().files().path(content.digest(), rocks().record(content.digest()).generation());
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.truncate(chunkSize());
    }
    CorruptBlobException e =
        assertThrows(
            CorruptBlobException.class,
            () -> store().openReader(content.digest(), BlobRange.all()));
    assertTrue(e.getMessage().contains("the record " + 2L * chunkSize()), e.getMessage());
    assertEquals(0, store().openReaders(), "a failed open keeps its lease");
  }

  @Test
  void aMissingFile_isCorrupt() throws IOException {
    TestContent content = commit(45, 1000);
    Files.delete(
        rocks().files().path(content.digest(), rocks().record(content.digest()).generation()));
    assertThrows(
        CorruptBlobException.class, () -> store().openReader(content.digest(), BlobRange.all()));
  }

  @Test
  void smallBlobsOfTheDefaultLayout_areChunks_withNoFileSpan(@TempDir Path other) {
    try (RocksStorage defaults = RocksStorage.open(other, StorageOptions.defaults())) {
      TestContent small = new TestContent(46, 1000);
      TestContent large = new TestContent(48, StorageOptions.DEFAULT_INLINE_UP_TO + 1);
      for (TestContent c : new TestContent[] {small, large}) {
        try (BlobWriter w = defaults.blobs().beginWrite(c.digest(), c.size())) {
          w.append(ByteBuffer.wrap(c.all()));
          w.commit();
        }
      }
      try (BlobReader s = defaults.blobs().openReader(small.digest(), BlobRange.all()).get();
          BlobReader l = defaults.blobs().openReader(large.digest(), BlobRange.all()).get()) {
        assertTrue(s.remainingAsFile().isEmpty(), "a chunked blob offered a file");
        assertEquals(large.size(), l.remainingAsFile().orElseThrow().length());
      }
    }
  }

  @Test
  void recordsWrittenBeforeBlobFiles_decodeAsChunks() {
    TestContent content = new TestContent(47, 10);
    byte[] v1 =
        ByteBuffer.allocate(1 + 8 + 4 + 8 + 8 + 8)
            .put((byte) 1)
            .putLong(10)
            .putInt(chunkSize())
            .putLong(99)
            .putLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli())
            .putLong(Instant.parse("2026-01-02T00:00:00Z").toEpochMilli())
            .array();
    BlobRecord record = BlobRecord.decode(content.digest(), v1);
    assertFalse(record.inFile());
    assertEquals(10, record.size());
    assertEquals(99, record.generation());
    BlobRecord again = BlobRecord.decode(content.digest(), record.encode());
    assertEquals(record, again);
    BlobRecord inFile = new BlobRecord(10, chunkSize(), 99, 1, 2, true);
    assertEquals(inFile, BlobRecord.decode(content.digest(), inFile.encode()));
  }
}
