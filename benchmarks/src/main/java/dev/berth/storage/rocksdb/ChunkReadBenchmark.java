package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * One chunk read on the blob serving path, heap against direct buffers. The store is a real {@link
 * RocksStorage} (same options, BlobDB files) holding one committed 256 MiB blob in 1 MiB chunks,
 * flushed so every chunk comes out of a blob file (the page cache is warm: 256 MiB on a box with
 * far more RAM). Each operation reads the next chunk, sequentially as a client stream does.
 *
 * <ul>
 *   <li>{@code HEAP_NEW}: berth up to commit a7556dc ({@code RocksBlobStore.getChunk}): {@code
 *       db.get(cf, key)} returns a new {@code byte[]} per chunk (key built per call, as there; the
 *       benchmark passes the same default {@code ReadOptions} explicitly).
 *   <li>{@code HEAP_NEW_TO_DIRECT}: {@code HEAP_NEW} plus the copy Netty makes before the socket
 *       write (a heap {@code ByteBuf} is copied into a pooled direct one by the channel's {@code
 *       filterOutboundMessage}, NIO and epoll alike, when TLS is off): the serving path's real
 *       cost.
 *   <li>{@code HEAP_REUSED}: {@code db.get(cf, readOptions, key, value)} into one reused {@code
 *       byte[]}: no allocation, still a JNI copy into the heap.
 *   <li>{@code DIRECT_REUSED}: {@code db.get(cf, readOptions, keyBuffer, valueBuffer)} with one
 *       reused direct buffer each: the floor of the direct path.
 *   <li>{@code DIRECT_ADAPTIVE}: a direct buffer taken from Netty's default allocator ({@code
 *       ByteBufAllocator.DEFAULT}, the adaptive allocator under Netty 4.2, which Vert.x 5 hands its
 *       channels), filled by the direct-buffer {@code get} and released: a serving path cannot
 *       reuse one buffer, since a buffer handed to the response must live until Netty wrote it.
 *   <li>{@code DIRECT_POOLED}: the same with {@code PooledByteBufAllocator.DEFAULT}, which is what
 *       berth's {@code BlobStreamer} takes its chunk buffers from since ab7f714.
 * </ul>
 *
 * <p>MB/s = ops/s × chunk size / 10⁶. Run with {@code -prof gc} for the allocation per chunk. Every
 * mode calls RocksDB directly, so the comparison does not move when the store's read methods
 * change; RocksStorage does not expose its handles, so the raw {@code db} and {@code chunks} handle
 * are read from {@link RocksBlobStore} by reflection (setup fails naming the field if one is
 * renamed).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ChunkReadBenchmark -prof gc}. Figures:
 * benchmarks/jmh-hotpaths.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx512m", "-XX:+IgnoreUnrecognizedVMOptions", "-XX:UseAVX=2"})
public class ChunkReadBenchmark {
  private static final long BLOB_SIZE = 256L << 20;

  /** How a chunk is read. */
  public enum Read {
    HEAP_NEW,
    HEAP_NEW_TO_DIRECT,
    HEAP_REUSED,
    DIRECT_REUSED,
    DIRECT_ADAPTIVE,
    DIRECT_POOLED
  }

  @Param({
    "HEAP_NEW",
    "HEAP_NEW_TO_DIRECT",
    "HEAP_REUSED",
    "DIRECT_REUSED",
    "DIRECT_ADAPTIVE",
    "DIRECT_POOLED"
  })
  public Read read;

  @Param({"1048576"})
  public int chunkSize;

  /**
   * {@code true}: RocksDB's default, berth's reads up to a7556dc; {@code false}: the blob-record
   * CRC32C skipped, berth's chunk reads since ab7f714.
   */
  @Param({"true", "false"})
  public boolean verifyChecksums;

  private Path dir;
  private RocksStorage storage;
  private RocksBlobStore store;
  private RocksDB db;
  private ColumnFamilyHandle chunks;
  private ReadOptions readOptions;
  private Digest digest;
  private long generation;
  private int chunkCount;
  private byte[][] keys;

  /** Per-thread cursor and reusable buffers. */
  @State(Scope.Thread)
  public static class Reader {
    int next;
    byte[] heap;
    ByteBuffer directKey;
    ByteBuffer directValue;
    final ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;

    @Setup(Level.Trial)
    public void setUp(ChunkReadBenchmark bench) {
      heap = new byte[bench.chunkSize];
      directKey = ByteBuffer.allocateDirect(256);
      directValue = ByteBuffer.allocateDirect(bench.chunkSize);
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException, RocksDBException, ReflectiveOperationException {
    dir = Files.createTempDirectory("berth-chunk-bench");
    storage =
        RocksStorage.open(
            dir.resolve("rocks"),
            new StorageOptions(chunkSize, Duration.ofSeconds(30), Clock.systemUTC()));
    byte[] pattern = new byte[chunkSize];
    new Random(1).nextBytes(pattern);
    DigestVerifier verifier = Digest.parse("sha256:" + "0".repeat(64)).newVerifier();
    for (long offset = 0; offset < BLOB_SIZE; offset += chunkSize) {
      // Vary each chunk so no layer below can deduplicate them.
      pattern[0] = (byte) (offset / chunkSize);
      verifier.update(pattern, 0, chunkSize);
    }
    digest = verifier.finish();
    try (BlobWriter writer = storage.blobs().beginWrite(digest, BLOB_SIZE)) {
      for (long offset = 0; offset < BLOB_SIZE; offset += chunkSize) {
        pattern[0] = (byte) (offset / chunkSize);
        writer.append(ByteBuffer.wrap(pattern));
      }
      writer.commit();
    }
    store = (RocksBlobStore) storage.blobs();
    db = (RocksDB) field("db").get(store);
    chunks = (ColumnFamilyHandle) field("chunks").get(store);
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush, chunks);
    }
    readOptions = new ReadOptions().setVerifyChecksums(verifyChecksums);
    BlobRecord record = store.record(digest);
    generation = record.generation();
    chunkCount = record.chunkCount();
    keys = new byte[chunkCount][];
    for (int i = 0; i < chunkCount; i++) {
      keys[i] = Keys.chunk(digest, generation, i);
    }
    System.out.println(
        "\nByteBufAllocator.DEFAULT = "
            + ByteBufAllocator.DEFAULT.getClass().getName()
            + ", chunks = "
            + chunkCount);
  }

  private static Field field(String name) throws NoSuchFieldException {
    Field f = RocksBlobStore.class.getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    readOptions.close();
    storage.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public Object readChunk(Reader r) throws RocksDBException {
    int index = r.next++ % chunkCount;
    switch (read) {
      case HEAP_NEW:
        return checked(db.get(chunks, readOptions, Keys.chunk(digest, generation, index)));
      case HEAP_NEW_TO_DIRECT:
        {
          byte[] chunk =
              checked(db.get(chunks, readOptions, Keys.chunk(digest, generation, index)));
          ByteBuf direct = r.allocator.directBuffer(chunk.length);
          try {
            direct.writeBytes(chunk);
            return chunk;
          } finally {
            direct.release();
          }
        }
      case HEAP_REUSED:
        {
          int n = db.get(chunks, readOptions, keys[index], r.heap);
          return checked(n, r.heap);
        }
      case DIRECT_REUSED:
        {
          r.directKey.clear().put(keys[index]).flip();
          r.directValue.clear();
          int n = db.get(chunks, readOptions, r.directKey, r.directValue);
          return checked(n, r.directValue);
        }
      default:
        {
          ByteBufAllocator allocator =
              read == Read.DIRECT_POOLED ? PooledByteBufAllocator.DEFAULT : r.allocator;
          ByteBuf buf = allocator.directBuffer(chunkSize, chunkSize);
          try {
            r.directKey.clear().put(keys[index]).flip();
            ByteBuffer value = buf.nioBuffer(0, chunkSize);
            int n = db.get(chunks, readOptions, r.directKey, value);
            buf.writerIndex(n);
            return checked(n, value);
          } finally {
            buf.release();
          }
        }
    }
  }

  private byte[] checked(byte[] chunk) {
    if (chunk == null || chunk.length != chunkSize) {
      throw new IllegalStateException("bad chunk read");
    }
    return chunk;
  }

  private <T> T checked(int n, T value) {
    if (n != chunkSize) {
      throw new IllegalStateException("chunk read returned " + n);
    }
    return value;
  }
}
