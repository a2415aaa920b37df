package dev.berth.storage.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.testing.BlobStoreConformanceTest;
import dev.berth.storage.testing.MutableClock;
import dev.berth.storage.testing.TestContent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The blob store contract on the in-memory store the service unit tests build on. */
class MemoryBlobStoreConformanceTest extends BlobStoreConformanceTest {
  private static final int CHUNK = 64 << 10;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final MemoryStorage storage = new MemoryStorage(clock, CHUNK);

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
    return storage.blobs().chunkCount();
  }

  @Override
  protected MutableClock clock() {
    return clock;
  }

  @Test
  void fullDisk_failsTheWriteAndLeavesNothing() {
    TestContent first = new TestContent(50, 2L * CHUNK);
    writeInPieces(first);
    storage.disk().setCapacity(storage.disk().used() + CHUNK);
    TestContent second = new TestContent(51, 3L * CHUNK);
    BlobWriter writer = store().beginWrite(second.digest(), second.size());

    assertThrows(
        DiskFullException.class, () -> appendInPieces(writer, second, 0, second.size(), CHUNK));

    assertThrows(IllegalStateException.class, writer::commit, "the write is over");
    assertEquals(0, store().writingBytes());
    assertEquals(first.size(), storage.disk().used());
    assertTrue(storage.writeProblem().isEmpty(), "a chunk still fits");
    storage.disk().fill();
    assertTrue(storage.writeProblem().isPresent());
  }
}
