package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.testing.BlobStoreConformanceTest;
import dev.berth.storage.testing.MutableClock;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class RocksBlobStoreConformanceTest extends BlobStoreConformanceTest {
  private static final int CHUNK = 64 << 10;

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private RocksStorage storage;

  @BeforeEach
  void open() {
    storage =
        RocksStorage.open(dir, new StorageOptions(CHUNK, Duration.ofHours(1), clock, inlineUpTo()));
  }

  /** Blobs up to this size are chunks, larger ones files (the default: both in these tests). */
  protected long inlineUpTo() {
    return StorageOptions.DEFAULT_INLINE_UP_TO;
  }

  @AfterEach
  void close() {
    storage.close();
  }

  @Override
  protected BlobStore store() {
    return storage.blobs();
  }

  @Override
  protected int chunkSize() {
    return CHUNK;
  }

  @Override
  protected long storedChunkCount() {
    // Chunk keys, and a blob file's bytes counted in chunks, so that the rules about chunks
    // (none left behind, as many as the blob has) hold for both layouts.
    RocksBlobStore blobs = (RocksBlobStore) storage.blobs();
    long[] n = {blobs.countAllChunks() - blobs.files().count()};
    blobs
        .files()
        .forEach(
            (digest, generation) -> {
              try {
                long size = java.nio.file.Files.size(blobs.files().path(digest, generation));
                n[0] += (size + CHUNK - 1) / CHUNK;
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    return n[0];
  }

  @Override
  protected MutableClock clock() {
    return clock;
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void largeBlob_streamsWithBoundedMemory() {
    // Several hundred MiB through a test JVM whose heap is far smaller (see the pom's argLine).
    long size = 320L << 20;
    TestContent content = new TestContent(27, size);
    long maxHeap = Runtime.getRuntime().maxMemory();
    assertTrue(maxHeap < size / 2, "heap " + maxHeap + " too large to prove bounded memory");

    BlobWriter writer = storage.blobs().beginWrite(content.digest(), size);
    byte[] piece = new byte[64 << 10];
    for (long offset = 0; offset < size; offset += piece.length) {
      int n = (int) Math.min(piece.length, size - offset);
      content.fill(offset, piece, 0, n);
      writer.append(ByteBuffer.wrap(piece, 0, n));
    }
    writer.commit();

    DigestVerifier verifier = content.digest().newVerifier();
    try (BlobReader reader =
        storage.blobs().openReader(content.digest(), BlobRange.all()).orElseThrow()) {
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        verifier.update(b);
      }
    }
    assertEquals(size, verifier.length());
    assertTrue(verifier.verify(), "bytes read back differ");
  }
}
