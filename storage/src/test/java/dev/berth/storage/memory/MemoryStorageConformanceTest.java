package dev.berth.storage.memory;

import dev.berth.storage.Storage;
import dev.berth.storage.testing.MutableClock;
import dev.berth.storage.testing.StorageConformanceTest;
import java.time.Instant;

/** The small stores' contract on the in-memory storage. */
class MemoryStorageConformanceTest extends StorageConformanceTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final MemoryStorage storage = new MemoryStorage(clock);

  @Override
  protected Storage storage() {
    return storage;
  }

  @Override
  protected MutableClock clock() {
    return clock;
  }
}
