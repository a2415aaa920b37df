package dev.berth.storage.testing;

import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Deterministic pseudo-random content of any size, generated piece by piece so that tests can
 * stream hundreds of MiB without holding them: byte {@code i} depends only on the seed and {@code
 * i}.
 */
public final class TestContent {
  private static final Digest PLACEHOLDER =
      Digest.parse("sha256:0000000000000000000000000000000000000000000000000000000000000000");

  private final long seed;
  private final long size;
  private Digest digest;

  public TestContent(long seed, long size) {
    this.seed = seed;
    this.size = size;
  }

  public long size() {
    return size;
  }

  /** Fills {@code dst[off, off+len)} with bytes {@code [offset, offset+len)} of the content. */
  public void fill(long offset, byte[] dst, int off, int len) {
    for (int i = 0; i < len; i++) {
      long position = offset + i;
      long word = mix(seed ^ (position >>> 3) * 0x9E3779B97F4A7C15L);
      dst[off + i] = (byte) (word >>> ((position & 7) * 8));
    }
  }

  public byte[] bytes(long offset, int len) {
    byte[] b = new byte[len];
    fill(offset, b, 0, len);
    return b;
  }

  /** The whole content; only for small sizes. */
  public byte[] all() {
    return bytes(0, Math.toIntExact(size));
  }

  /** The SHA-256 of the whole content, computed by streaming it once. */
  public synchronized Digest digest() {
    if (digest == null) {
      DigestVerifier verifier = PLACEHOLDER.newVerifier();
      byte[] piece = new byte[1 << 16];
      for (long offset = 0; offset < size; offset += piece.length) {
        int n = (int) Math.min(piece.length, size - offset);
        fill(offset, piece, 0, n);
        verifier.update(piece, 0, n);
      }
      digest = verifier.finish();
    }
    return digest;
  }

  /** Whether {@code actual} equals bytes {@code [offset, offset+remaining)} of the content. */
  public boolean matches(long offset, ByteBuffer actual) {
    byte[] got = new byte[actual.remaining()];
    actual.duplicate().get(got);
    return Arrays.equals(got, bytes(offset, got.length));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
