package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobStore;
import dev.berth.storage.testing.BlobStoreConformanceTest;
import dev.berth.storage.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class RocksBlobStoreConformanceTest extends BlobStoreConformanceTest {
  private static final int CHUNK = 64 << 10;

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private RocksStorage storage;

  @BeforeEach
  void open() {
    storage = RocksStorage.open(dir, new StorageOptions(CHUNK, Duration.ofHours(1), clock));
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
    return ((RocksBlobStore) storage.blobs()).countAllChunks();
  }

  @Override
  protected MutableClock clock() {
    return clock;
  }
}
