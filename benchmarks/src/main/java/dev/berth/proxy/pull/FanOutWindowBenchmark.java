package dev.berth.proxy.pull;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory side of a live download (issue 14), without sockets or storage: one operation moves
 * one 64 KiB upstream piece through a {@link FanOutWindow} — copied into a direct block, sliced for
 * each of {@code readers} clients (slice retained and released, as a socket write would), and
 * handed to the writer (slice retained and released) — so its cost per byte can be set against
 * SHA-256's (DigestBenchmark) and RocksDB's (BlobStoreThroughputBenchmark). A window lives for 256
 * MiB, then a new one starts.
 *
 * <p>MB/s = ops/s × 65536 / 10⁶. Run: {@code java -jar benchmarks/target/benchmarks.jar
 * FanOutWindowBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {
      "-Xmx256m",
      "-XX:MaxDirectMemorySize=256m",
      "-XX:+IgnoreUnrecognizedVMOptions",
      "-XX:UseAVX=2"
    })
public class FanOutWindowBenchmark {
  private static final int PIECE = 64 << 10;
  private static final long BLOB = 256L << 20;

  @Param({"1", "8"})
  public int readers;

  private Buffer piece;
  private FanOutMemory memory;
  private FanOutWindow window;
  private FanOutWindow.Cursor[] cursors;
  private long received;

  @Setup
  public void setUp() {
    byte[] bytes = new byte[PIECE];
    new Random(14).nextBytes(bytes);
    piece = Buffer.buffer(bytes);
    memory = new FanOutMemory(64L << 20);
    startWindow();
  }

  private void startWindow() {
    if (window != null) {
      window.verified();
      for (FanOutWindow.Cursor c : cursors) {
        c.close();
      }
    }
    window = new FanOutWindow(BLOB, 8L << 20, memory);
    cursors = new FanOutWindow.Cursor[readers];
    for (int i = 0; i < readers; i++) {
      cursors[i] = window.open(0, BLOB);
    }
    received = 0;
  }

  @Benchmark
  public long piece() {
    if (received + PIECE > BLOB) {
      startWindow();
    }
    window.add(piece);
    received += PIECE;
    long sent = 0;
    for (FanOutWindow.Cursor c : cursors) {
      while (c.next(1 << 20) instanceof LiveRead.Bytes b) {
        sent += b.bytes().readableBytes();
        b.bytes().release();
      }
    }
    List<ByteBuf> batch = window.unappended();
    long n = 0;
    for (ByteBuf b : batch) {
      n += b.readableBytes();
      b.release();
    }
    window.appended(n);
    return sent + n;
  }
}
