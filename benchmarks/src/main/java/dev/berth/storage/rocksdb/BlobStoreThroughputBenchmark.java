package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Write and read throughput of the RocksDB blob store against a plain-file baseline that does the
 * same work a file-backed cache would: hash while writing 64 KiB network-sized pieces, fsync,
 * rename into place; read back in chunk-sized pieces.
 *
 * <p>Run: {@code mvn -B -q -Pbench -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar BlobStoreThroughputBenchmark}. Throughput in MB/s = blobSize /
 * (ms/op) / 1000. Figures: benchmarks/RESULTS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 3)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx512m", "-XX:+IgnoreUnrecognizedVMOptions", "-XX:UseAVX=2"})
public class BlobStoreThroughputBenchmark {
  private static final int PIECE = 64 << 10;

  /** Where the bytes go. */
  public enum Store {
    ROCKSDB,
    FILE_CHANNEL
  }

  @Param({"ROCKSDB", "FILE_CHANNEL"})
  public Store store;

  @Param({"1048576", "268435456"})
  public long blobSize;

  @Param({"262144", "1048576", "4194304"})
  public int chunkSize;

  private Path dir;
  private RocksStorage storage;
  private byte[] pattern;
  private Digest digest;
  private Path committedFile;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("berth-bench");
    pattern = new byte[1 << 20];
    new Random(1).nextBytes(pattern);
    DigestVerifier verifier =
        Digest.parse("sha256:" + "0".repeat(64)).newVerifier(); // algorithm only; result is read
    for (long offset = 0; offset < blobSize; offset += pattern.length) {
      verifier.update(pattern, 0, (int) Math.min(pattern.length, blobSize - offset));
    }
    digest = verifier.finish();
    if (store == Store.ROCKSDB) {
      storage =
          RocksStorage.open(
              dir.resolve("rocks"),
              new StorageOptions(chunkSize, Duration.ofSeconds(30), Clock.systemUTC()));
    }
    // One committed copy for the read benchmark.
    write();
    committedFile = dir.resolve("blob");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (storage != null) {
      storage.close();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public void write(Blackhole bh) throws IOException {
    if (store == Store.ROCKSDB) {
      storage.blobs().delete(digest);
    }
    bh.consume(write());
  }

  @Benchmark
  public long read(Blackhole bh) throws IOException {
    long total = 0;
    if (store == Store.ROCKSDB) {
      try (BlobReader reader = storage.blobs().openReader(digest, BlobRange.all()).orElseThrow()) {
        for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
          total += b.remaining();
          bh.consume(b);
        }
      }
    } else {
      ByteBuffer buffer = ByteBuffer.allocate(chunkSize);
      try (FileChannel ch = FileChannel.open(committedFile, StandardOpenOption.READ)) {
        while (ch.read(buffer.clear()) > 0) {
          total += buffer.flip().remaining();
          bh.consume(buffer);
        }
      }
    }
    return total;
  }

  private Object write() throws IOException {
    if (store == Store.ROCKSDB) {
      try (BlobWriter writer = storage.blobs().beginWrite(digest, blobSize)) {
        forEachPiece(writer::append);
        return writer.commit();
      }
    }
    Path temp = dir.resolve("blob.partial");
    DigestVerifier verifier = digest.newVerifier();
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      forEachPiece(
          piece -> {
            verifier.update(piece);
            try {
              while (piece.hasRemaining()) {
                ch.write(piece);
              }
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      ch.force(true);
    }
    if (!verifier.verify()) {
      throw new IllegalStateException("digest mismatch");
    }
    return Files.move(temp, dir.resolve("blob"), StandardCopyOption.ATOMIC_MOVE);
  }

  private void forEachPiece(java.util.function.Consumer<ByteBuffer> sink) {
    for (long offset = 0; offset < blobSize; offset += PIECE) {
      int inPattern = (int) (offset % pattern.length);
      int n = (int) Math.min(PIECE, blobSize - offset);
      sink.accept(ByteBuffer.wrap(pattern, inPattern, n));
    }
  }
}
