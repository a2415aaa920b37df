package dev.berth.storage.eviction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.rocksdb.RocksStorage;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers racing eviction: every reader either finds the blob absent when it opens it, or reads it
 * whole with the right digest. No reader may see a blob vanish between chunks.
 */
class ReaderLeasesConcurrencyTest {
  @TempDir Path dir;

  @Test
  void readersRacingEviction_readWholeBlobsOrFindThemAbsent() throws Exception {
    StorageOptions options = StorageOptions.defaults().withChunkSize(64 << 10);
    try (RocksStorage storage = RocksStorage.open(dir, options)) {
      BlobStore blobs = storage.blobs();
      List<TestContent> contents = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        contents.add(new TestContent(100 + i, 1 << 20));
      }
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger whole = new AtomicInteger();
      AtomicInteger absent = new AtomicInteger();
      AtomicInteger evicted = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(5);
      List<Future<?>> readers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int offset = t;
        readers.add(
            pool.submit(
                () -> {
                  for (int i = offset; !stop.get(); i++) {
                    TestContent c = contents.get(i % contents.size());
                    Optional<BlobReader> opened = blobs.openReader(c.digest(), BlobRange.all());
                    if (opened.isEmpty()) {
                      absent.incrementAndGet();
                      continue;
                    }
                    try (BlobReader r = opened.get()) {
                      DigestVerifier v = c.digest().newVerifier();
                      ByteBuffer chunk = ByteBuffer.allocate(r.chunkSize());
                      while (r.readInto(chunk)) {
                        v.update(chunk);
                        chunk.clear();
                      }
                      assertEquals(c.digest(), v.finish());
                      whole.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      Future<?> churn =
          pool.submit(
              () -> {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < end) {
                  for (TestContent c : contents) {
                    if (blobs.stat(c.digest()).isEmpty()) {
                      BlobWriter w = blobs.beginWrite(c.digest(), c.size());
                      w.append(ByteBuffer.wrap(c.all()));
                      w.commit();
                    } else if (blobs.evict(c.digest()) == BlobStore.Eviction.EVICTED) {
                      evicted.incrementAndGet();
                    }
                  }
                }
                return null;
              });
      churn.get(30, TimeUnit.SECONDS);
      stop.set(true);
      for (Future<?> r : readers) {
        r.get(30, TimeUnit.SECONDS); // rethrows a reader's failure (BlobGone, wrong digest)
      }
      pool.shutdown();
      assertTrue(whole.get() > 0 && evicted.get() > 0, whole + " reads, " + evicted + " evictions");
      assertEquals(0, blobs.openReaders(), "every lease returned");
    }
  }
}
