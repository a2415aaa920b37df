package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.StoreVerifier;
import dev.berth.storage.testing.SizeCappedFilesystem;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fills a real (size-capped) filesystem under the store: writes fail with {@link DiskFullException}
 * and leave nothing partial, what was committed stays readable, and writing works again by itself
 * once the filesystem has room.
 */
class RocksStorageDiskFullTest {
  private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  /** 3 MiB blobs are chunks in RocksDB, 6 MiB ones blob files: a full disk refuses both. */
  @ParameterizedTest(name = "{0} MiB blobs")
  @ValueSource(ints = {3, 6})
  void aFullDiskRefusesWritesKeepsReadsAndRecoversWhenSpaceReturns(int mebibytes) throws Exception {
    int blobSize = mebibytes << 20;
    try (SizeCappedFilesystem fs = SizeCappedFilesystem.mount(dir, 24)) {
      RocksStorage storage = RocksStorage.open(fs.path().resolve("db"), StorageOptions.defaults());
      try {
        List<TestContent> committed = new ArrayList<>();
        TestContent refused = null;
        for (int seed = 0; seed < 40 && refused == null; seed++) {
          TestContent blob = new TestContent(seed, blobSize);
          try {
            write(storage, blob);
            committed.add(blob);
          } catch (DiskFullException e) {
            assertTrue(e.getMessage().contains(blob.digest().toString()), e.getMessage());
            refused = blob;
          }
        }
        if (refused == null) {
          fail("40 blobs of " + mebibytes + " MiB fit into a 24 MiB filesystem");
        }
        assertFalse(committed.isEmpty(), "nothing fitted at all");
        assertTrue(storage.blobs().stat(refused.digest()).isEmpty(), "a refused blob is visible");
        assertTrue(storage.writeProblem().isPresent(), "writes reported working on a full disk");
        for (TestContent blob : committed) {
          assertReadsBack(storage, blob); // hits keep serving
        }

        fs.resize(256);
        Optional<String> problem = awaitWritable(storage);
        assertTrue(problem.isEmpty(), "still not writable after space returned: " + problem);
        write(storage, refused);
        committed.add(refused);
        for (TestContent blob : committed) {
          assertReadsBack(storage, blob);
        }
      } finally {
        storage.close();
      }
      try (RocksStorage reopened =
          RocksStorage.open(fs.path().resolve("db"), StorageOptions.defaults())) {
        StoreVerifier.Report report = StoreVerifier.verify(reopened, noProgress());
        assertFalse(report.damaged(), "damage after a full disk: " + report.removed());
      }
    }
  }

  private static Optional<String> awaitWritable(RocksStorage storage) throws InterruptedException {
    long deadline = System.nanoTime() + RECOVERY_LIMIT.toNanos();
    Optional<String> problem = storage.writeProblem();
    while (problem.isPresent() && System.nanoTime() < deadline) {
      Thread.sleep(250);
      problem = storage.writeProblem();
    }
    return problem;
  }

  private static void write(RocksStorage storage, TestContent blob) {
    BlobWriter writer = storage.blobs().beginWrite(blob.digest(), blob.size());
    try {
      for (long offset = 0; offset < blob.size(); offset += 1 << 20) {
        int n = (int) Math.min(1 << 20, blob.size() - offset);
        writer.append(ByteBuffer.wrap(blob.bytes(offset, n)));
      }
      writer.commit();
    } finally {
      writer.close();
    }
  }

  private static void assertReadsBack(RocksStorage storage, TestContent blob) {
    try (BlobReader reader =
        storage.blobs().openReader(blob.digest(), BlobRange.all()).orElseThrow()) {
      DigestVerifier verifier = blob.digest().newVerifier();
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        verifier.update(b);
      }
      assertEquals(blob.size(), verifier.length());
      assertTrue(verifier.verify(), "blob " + blob.digest() + " reads back different bytes");
    }
  }

  private static StoreVerifier.Progress noProgress() {
    return new StoreVerifier.Progress() {
      @Override
      public void started(long blobs, long blobBytes) {}

      @Override
      public void blobChecked(long blobsDone, long bytesDone) {}
    };
  }
}
