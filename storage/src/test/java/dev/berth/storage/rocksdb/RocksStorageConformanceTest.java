package dev.berth.storage.rocksdb;

import dev.berth.storage.Storage;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.testing.MutableClock;
import dev.berth.storage.testing.StorageConformanceTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class RocksStorageConformanceTest extends StorageConformanceTest {
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private RocksStorage storage;

  @BeforeEach
  void open() {
    storage = RocksStorage.open(dir, new StorageOptions(64 << 10, Duration.ofHours(1), clock));
  }

  @AfterEach
  void close() {
    storage.close();
  }

  @Override
  protected Storage storage() {
    return storage;
  }

  @Override
  protected MutableClock clock() {
    return clock;
  }
}
