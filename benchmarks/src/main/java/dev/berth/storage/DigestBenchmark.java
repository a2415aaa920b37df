package dev.berth.storage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * SHA-256 while streaming: the hash every downloaded blob goes through before it becomes visible.
 * One operation hashes one piece of {@code size} bytes into a running digest (the digest is
 * finished and restarted every 256 MiB, which costs nothing measurable).
 *
 * <ul>
 *   <li>{@code MESSAGE_DIGEST_ARRAY}: baseline, {@link MessageDigest#update(byte[], int, int)}.
 *   <li>{@code VERIFIER_HEAP}: {@link DigestVerifier#update(ByteBuffer)} on a heap buffer, as
 *       {@code RocksBlobWriter.append} is called today.
 *   <li>{@code VERIFIER_DIRECT}: the same on a direct buffer, as it would be called if upstream
 *       bytes stayed in Netty's direct buffers ({@link MessageDigest} copies a direct buffer
 *       through a small temporary array).
 *   <li>{@code VERIFIER_HEAP_COPIED}: {@code VERIFIER_HEAP} after a copy of the piece into a new
 *       array, as {@code BlobDownload} does today ({@code ByteBuffer.wrap(buffer.getBytes())}).
 * </ul>
 *
 * <p>MB/s = ops/s × size / 10⁶.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DigestBenchmark -prof gc}. Figures:
 * benchmarks/jmh-hotpaths.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx512m", "-XX:+IgnoreUnrecognizedVMOptions", "-XX:UseAVX=2"})
public class DigestBenchmark {
  private static final long RESTART_BYTES = 256L << 20;

  /** How the bytes reach the hash. */
  public enum Impl {
    MESSAGE_DIGEST_ARRAY,
    VERIFIER_HEAP,
    VERIFIER_DIRECT,
    VERIFIER_HEAP_COPIED
  }

  @Param({"MESSAGE_DIGEST_ARRAY", "VERIFIER_HEAP", "VERIFIER_DIRECT", "VERIFIER_HEAP_COPIED"})
  public Impl impl;

  @Param({"65536", "1048576"})
  public int size;

  private byte[] array;
  private ByteBuffer heap;
  private ByteBuffer direct;
  private MessageDigest messageDigest;
  private DigestVerifier verifier;
  private Digest expected;
  private long hashed;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    array = new byte[size];
    new Random(2).nextBytes(array);
    heap = ByteBuffer.wrap(array);
    direct = ByteBuffer.allocateDirect(size);
    direct.put(array).flip();
    messageDigest = MessageDigest.getInstance("SHA-256");
    expected = Digest.sha256Of(array);
    verifier = expected.newVerifier();
    // All three paths hash the same bytes to the same digest.
    DigestVerifier check = expected.newVerifier();
    check.update(direct);
    if (!check.verify()) {
      throw new IllegalStateException("direct-buffer hash differs");
    }
  }

  @Benchmark
  public long update() {
    if (hashed >= RESTART_BYTES) {
      messageDigest.reset();
      verifier = expected.newVerifier();
      hashed = 0;
    }
    switch (impl) {
      case MESSAGE_DIGEST_ARRAY:
        messageDigest.update(array, 0, size);
        break;
      case VERIFIER_HEAP:
        verifier.update(heap);
        break;
      case VERIFIER_DIRECT:
        verifier.update(direct);
        break;
      default:
        verifier.update(ByteBuffer.wrap(Arrays.copyOf(array, size)));
        break;
    }
    hashed += size;
    return hashed;
  }
}
