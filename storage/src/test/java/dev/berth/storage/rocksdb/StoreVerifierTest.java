package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobWriter;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.StoreVerifier;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreVerifierTest {
  @TempDir Path dir;

  @Test
  void verify_removesOnlyDamagedBlobs_andReports() {
    int chunk = 64 << 10;
    try (RocksStorage storage =
        RocksStorage.open(dir, new StorageOptions(chunk, Duration.ofHours(1), Clock.systemUTC()))) {
      TestContent good = new TestContent(1, 3L * chunk + 5);
      TestContent bad = new TestContent(2, 2L * chunk);
      for (TestContent c : new TestContent[] {good, bad}) {
        try (BlobWriter w = storage.blobs().beginWrite(c.digest(), c.size())) {
          w.append(ByteBuffer.wrap(c.all()));
          w.commit();
        }
      }
      // Bit rot: overwrite a stored chunk of the second blob behind the store's back.
      RocksBlobStore blobs = (RocksBlobStore) storage.blobs();
      byte[] garbage = new byte[chunk];
      blobs.putChunk(
          bad.digest(),
          blobs.record(bad.digest()).generation(),
          1,
          ByteBuffer.wrap(garbage, 0, chunk));

      AtomicLong progressCalls = new AtomicLong();
      StoreVerifier.Report report =
          StoreVerifier.verify(
              storage,
              new StoreVerifier.Progress() {
                @Override
                public void started(long blobCount, long blobBytes) {
                  assertEquals(2, blobCount);
                }

                @Override
                public void blobChecked(long done, long bytes) {
                  progressCalls.incrementAndGet();
                }
              });

      assertTrue(report.damaged());
      assertEquals(2, report.blobs());
      assertEquals(1, report.removed().size());
      assertTrue(
          report.removed().get(0).contains(bad.digest().toString()), report.removed().toString());
      assertEquals(2, progressCalls.get());
      assertTrue(storage.blobs().stat(good.digest()).isPresent());
      assertFalse(storage.blobs().stat(bad.digest()).isPresent());
      assertFalse(StoreVerifier.verify(storage, noProgress()).damaged(), "a second run is clean");
    }
  }

  @Test
  void verify_removesABlobFileWithFlippedBytes_andItsFile() throws Exception {
    int chunk = 64 << 10;
    StorageOptions allFiles = new StorageOptions(chunk, Duration.ofHours(1), Clock.systemUTC(), -1);
    try (RocksStorage storage = RocksStorage.open(dir, allFiles)) {
      TestContent good = new TestContent(3, 3L * chunk + 5);
      TestContent bad = new TestContent(4, 2L * chunk);
      for (TestContent c : new TestContent[] {good, bad}) {
        try (BlobWriter w = storage.blobs().beginWrite(c.digest(), c.size())) {
          w.append(ByteBuffer.wrap(c.all()));
          w.commit();
        }
      }
      RocksBlobStore blobs = (RocksBlobStore) storage.blobs();
      java.nio.file.Path file =
          blobs.files().path(bad.digest(), blobs.record(bad.digest()).generation());
      try (java.nio.channels.FileChannel c =
          java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
        c.write(ByteBuffer.wrap(new byte[] {42, 43, 44}), chunk + 17); // bit rot, same size
      }

      StoreVerifier.Report report = StoreVerifier.verify(storage, noProgress());

      assertTrue(report.damaged());
      assertEquals(1, report.removed().size(), report.removed().toString());
      assertTrue(storage.blobs().stat(good.digest()).isPresent());
      assertFalse(storage.blobs().stat(bad.digest()).isPresent());
      assertFalse(java.nio.file.Files.exists(file), "the damaged blob's file stays");
      assertEquals(1, blobs.files().count());
    }
  }

  private static StoreVerifier.Progress noProgress() {
    return new StoreVerifier.Progress() {
      @Override
      public void started(long blobs, long blobBytes) {}

      @Override
      public void blobChecked(long done, long bytes) {}
    };
  }
}
