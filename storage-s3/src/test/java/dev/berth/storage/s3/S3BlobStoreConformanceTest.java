package dev.berth.storage.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.testing.BlobStoreConformanceTest;
import dev.berth.storage.testing.MutableClock;
import dev.berth.storage.testing.TestContent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob store contract on S3 (s3proxy over a directory), plus multipart uploads. */
class S3BlobStoreConformanceTest extends BlobStoreConformanceTest {
  private static final int CHUNK = 64 << 10;

  /** One server for the class (starting one takes seconds); each test has a key prefix. */
  @TempDir static Path serverDir;

  private static S3Server server;
  private static int tests;

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private S3Location location;
  private S3Stores stores;

  @BeforeAll
  static void startServer() throws Exception {
    server = new S3Server(serverDir);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void open() {
    location = server.location().withPrefix("test-" + ++tests + "/");
    stores = S3Stores.open(location, dir.resolve("spool"), CHUNK, clock);
  }

  @AfterEach
  void close() {
    stores.close();
  }

  @Override
  protected BlobStore store() {
    return stores.blobs();
  }

  @Override
  protected int chunkSize() {
    return CHUNK;
  }

  @Override
  protected long storedChunkCount() {
    return stores.blobs().storedChunks();
  }

  @Override
  protected MutableClock clock() {
    return clock;
  }

  @Test
  void multipartUpload_partsOfFiveMiB_andSpoolFilesGone() throws Exception {
    TestContent content = new TestContent(60, 2L * S3Location.DEFAULT_PART_SIZE + 12345);
    try (BlobWriter writer = store().beginWrite(content.digest(), content.size())) {
      appendInPieces(writer, content, 0, content.size(), 1 << 20);
      writer.commit();
    }

    assertArrayEquals(
        content.all(),
        readAll(store().openReader(content.digest(), BlobRange.all()).orElseThrow()));
    assertEquals(0, storedChunkCount() - (content.size() + CHUNK - 1) / CHUNK);
    try (var spool = Files.list(dir.resolve("spool"))) {
      assertEquals(0, spool.count(), "spool files left behind");
    }
  }

  @Test
  void anotherReplicasBlob_isFoundInTheBucket() throws Exception {
    TestContent content = new TestContent(61, 1000);
    writeInPieces(content);
    try (S3Stores other = S3Stores.open(location, dir.resolve("spool2"), CHUNK, clock)) {
      assertEquals(1, other.blobs().count(), "listed at open");
      assertArrayEquals(
          content.all(),
          readAll(other.blobs().openReader(content.digest(), BlobRange.all()).orElseThrow()));
    }
  }

  /**
   * Eviction walks the blobs: a replica then counts what the others published and deleted since its
   * last listing (at most {@link BucketListing#RELIST_AFTER} old), not only its own.
   */
  @Test
  void theWalkOfEviction_seesWhatOtherReplicasStoredAndDeleted() throws Exception {
    TestContent content = new TestContent(63, 1000);
    try (S3Stores other = S3Stores.open(location, dir.resolve("spool2"), CHUNK, clock)) {
      writeInPieces(content);
      assertEquals(0, other.blobs().count(), "listed at open, before the write");

      other.blobs().forEach(info -> {});
      assertEquals(0, other.blobs().count(), "listed again within RELIST_AFTER");

      clock.advance(BucketListing.RELIST_AFTER);
      java.util.List<dev.berth.storage.BlobInfo> walked = new java.util.ArrayList<>();
      other.blobs().forEach(walked::add);
      assertEquals(1, walked.size());
      assertEquals(content.digest(), walked.get(0).digest());
      assertEquals(content.size(), other.blobs().totalBytes());

      assertTrue(store().delete(content.digest()));
      clock.advance(BucketListing.RELIST_AFTER);
      other.blobs().refresh(); // what eviction calls before it compares with the cap
      assertEquals(0, other.blobs().count(), "a blob another replica deleted stays in the index");
      assertEquals(0, other.blobs().totalBytes());
    }
  }

  @Test
  void deletedByAnotherReplica_isGoneHereToo() throws Exception {
    TestContent content = new TestContent(62, 1000);
    writeInPieces(content);
    try (S3Stores other = S3Stores.open(location, dir.resolve("spool2"), CHUNK, clock)) {
      assertTrue(other.blobs().delete(content.digest()));
    }

    BlobReader reader = store().openReader(content.digest(), BlobRange.all()).orElseThrow();
    assertThrows(BlobGoneException.class, () -> readAll(reader));
    assertTrue(store().stat(content.digest()).isEmpty(), "the index still lists it");
    assertEquals(0, store().totalBytes());
  }

  @Test
  void opening_deletesSpoolFilesACrashLeft() throws Exception {
    Path leftover = Files.createDirectories(dir.resolve("spool3")).resolve("write-1.spool");
    Files.write(leftover, new byte[100]);

    S3Stores.open(location, dir.resolve("spool3"), CHUNK, clock).close();

    assertFalse(Files.exists(leftover));
  }
}
