package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobWriter;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.testing.TestContent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The child process of {@link RocksStorageCrashTest}: writes blobs and reports progress on stdout
 * until the test kills it with SIGKILL. A line "COMMITTED <digest>" is printed only after commit
 * returned, i.e. after the synced commit batch.
 */
public final class CrashWriterMain {
  static final int CHUNK = 64 << 10;

  /** Blobs up to 16 chunks are chunks in the database, larger ones blob files: both are killed. */
  static final long INLINE_UP_TO = 16L * CHUNK;

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String mode = args[1];
    RocksStorage storage =
        RocksStorage.open(
            dir, new StorageOptions(CHUNK, Duration.ofMillis(50), Clock.systemUTC(), INLINE_UP_TO));
    if (mode.equals("mid-write")) {
      TestContent committed = new TestContent(1, 5L * CHUNK + 7);
      write(storage, committed, committed.size());
      System.out.println("COMMITTED " + committed.digest());
      TestContent unfinished = new TestContent(2, 64L * CHUNK);
      BlobWriter writer = storage.blobs().beginWrite(unfinished.digest(), unfinished.size());
      append(writer, unfinished, 0, 40L * CHUNK);
      System.out.println("MIDWRITE " + unfinished.digest());
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    } else {
      long seedBase = Long.parseLong(args[2]);
      Runnable load =
          () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (long i = 0; ; i++) {
              long seed = seedBase + i * 7919 + Thread.currentThread().getId();
              TestContent content = new TestContent(seed, random.nextLong(1, 40L * CHUNK));
              write(storage, content, content.size());
              synchronized (System.out) {
                System.out.println("COMMITTED " + content.digest());
                System.out.flush();
              }
              // Read back too, so access times are recorded and flushed while we are killed.
              storage
                  .blobs()
                  .openReader(content.digest(), dev.berth.storage.BlobRange.suffix(10))
                  .orElseThrow()
                  .read();
            }
          };
      Thread a = new Thread(load);
      Thread b = new Thread(load);
      a.start();
      b.start();
      a.join();
    }
  }

  private static void write(RocksStorage storage, TestContent content, long size) {
    try (BlobWriter writer = storage.blobs().beginWrite(content.digest(), size)) {
      append(writer, content, 0, size);
      writer.commit();
    }
  }

  private static void append(BlobWriter writer, TestContent content, long from, long to) {
    byte[] piece = new byte[50_000];
    for (long offset = from; offset < to; offset += piece.length) {
      int n = (int) Math.min(piece.length, to - offset);
      content.fill(offset, piece, 0, n);
      writer.append(ByteBuffer.wrap(piece, 0, n));
    }
  }

  private CrashWriterMain() {}
}
