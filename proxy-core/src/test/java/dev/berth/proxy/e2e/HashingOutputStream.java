package dev.berth.proxy.e2e;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Passes bytes through while computing their SHA-256 and counting them.
 *
 * <p>Why: a layer's digest (compressed) and diff_id (uncompressed) must both be known after one
 * streaming pass, because a 256 MiB layer is never held in memory.
 */
final class HashingOutputStream extends FilterOutputStream {
  private final MessageDigest sha256;
  private long count;

  HashingOutputStream(OutputStream out) {
    super(out);
    this.sha256 = newSha256();
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    sha256.update((byte) b);
    count++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    sha256.update(b, off, len);
    count += len;
  }

  /** Bytes written so far. */
  long count() {
    return count;
  }

  /** {@code sha256:<hex>} of everything written; call once, after the last write. */
  String digest() {
    return "sha256:" + HexFormat.of().formatHex(sha256.digest());
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** {@code sha256:<hex>} of {@code bytes}. */
  static String sha256(byte[] bytes) {
    return "sha256:" + HexFormat.of().formatHex(newSha256().digest(bytes));
  }
}
