package dev.berth.storage;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * One fresh-JVM hashing run for {@code benchmarks/e2e/hash-cliff.sh} (issue 14): hashes {@code
 * <MiB>} (default 256) through {@link DigestVerifier} the way a download does — each 64 KiB piece
 * copied out of a network buffer, then hashed — and prints {@code <MB/s>}. On Intel CPUs with
 * AVX-512 and SHA-NI the SHA-256 intrinsic was seen to run 10× slower in some fresh JVMs than in
 * others (AVX-512 code next to legacy-SSE SHA instructions); the script runs this ten times and
 * fails when the slowest run is more than 1.25× the median.
 */
public final class HashCliffRun {
  private HashCliffRun() {}

  public static void main(String[] args) {
    long mib = args.length > 0 ? Long.parseLong(args[0]) : 256;
    int piece = 64 << 10;
    // As a download runs: Netty hands over pieces of a direct (off-heap) buffer; the writer
    // hashes each (MessageDigest copies a direct buffer through a 4 KiB heap array, Unsafe's
    // copyMemory, that is glibc's memcpy with its AVX-512 variants) and copies it into its
    // direct 1 MiB chunk buffer before the chunk is stored.
    byte[] random = new byte[4 << 20];
    new Random(14).nextBytes(random);
    ByteBuffer network = ByteBuffer.allocateDirect(random.length).put(random).flip();
    ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
    DigestVerifier verifier = Digest.parse("sha256:" + "0".repeat(64)).newVerifier();
    long total = mib << 20;
    long started = System.nanoTime();
    for (long done = 0; done < total; done += piece) {
      int at = (int) (done % (network.capacity() - piece));
      ByteBuffer bytes = network.slice(at, piece);
      verifier.update(bytes);
      if (chunk.remaining() < piece) {
        chunk.clear();
      }
      chunk.put(bytes);
    }
    Digest digest = verifier.finish();
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("%.1f %s%n", total / 1e6 / seconds, digest.toString().substring(0, 15));
  }
}
