package dev.berth.storage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * Hashes bytes as they stream past and tells whether they match the expected {@link Digest}. Not
 * thread-safe: one stream, one verifier.
 */
public final class DigestVerifier {
  private final Digest expected;
  private final MessageDigest hasher;
  private long length;

  DigestVerifier(Digest expected) {
    this.expected = expected;
    this.hasher = expected.algorithm().newMessageDigest();
  }

  /** Hashes the remaining bytes of {@code bytes}; its position is left unchanged. */
  public void update(ByteBuffer bytes) {
    int before = bytes.remaining();
    hasher.update(bytes.duplicate());
    length += before;
  }

  /**
   * Hashes the bytes of a write that declared {@code declared} bytes (-1: unknown), after checking
   * they stay within it.
   *
   * @throws DigestMismatchException when they would go past the declared length
   */
  public void updateWithin(ByteBuffer bytes, long declared) {
    if (declared >= 0 && length + bytes.remaining() > declared) {
      throw new DigestMismatchException(expected, "more than the declared " + declared + " bytes");
    }
    update(bytes);
  }

  /**
   * Finishes hashing and checks that everything seen is the blob: {@code declared} bytes (unless
   * -1) that hash to the expected digest.
   *
   * @throws DigestMismatchException saying which of the two does not match
   */
  public void check(long declared) {
    if (declared >= 0 && length != declared) {
      throw new DigestMismatchException(expected, "got " + length + " bytes, declared " + declared);
    }
    Digest actual = finish();
    if (!actual.equals(expected)) {
      throw new DigestMismatchException(expected, "bytes hash to " + actual);
    }
  }

  public void update(byte[] bytes, int offset, int count) {
    hasher.update(bytes, offset, count);
    length += count;
  }

  /** Bytes hashed so far. */
  public long length() {
    return length;
  }

  /**
   * Finishes hashing and returns the digest of everything seen. The verifier cannot be used after
   * this.
   */
  public Digest finish() {
    return Digest.of(expected.algorithm(), hasher.digest());
  }

  /**
   * Finishes hashing and reports whether the bytes seen match the expected digest. Like {@link
   * #finish()}, callable once.
   */
  public boolean verify() {
    return expected.matchesHash(hasher.digest());
  }

  public Digest expected() {
    return expected;
  }
}
