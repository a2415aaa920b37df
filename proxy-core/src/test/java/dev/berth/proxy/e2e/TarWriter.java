package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a POSIX ustar archive to a stream, one entry at a time, with fixed owner and time.
 *
 * <p>Why: image layers must be real tar files that containerd can unpack, built without docker or
 * extra libraries, byte-for-byte reproducible (uid/gid 0, a fixed mtime), and streamed so a
 * multi-hundred-MiB file entry never sits in memory. Names are limited to 100 bytes, which the
 * fixtures' names respect.
 */
final class TarWriter {
  /** 2023-11-14T22:13:20Z: any fixed time makes the archive reproducible. */
  static final long MTIME = 1_700_000_000L;

  private static final int BLOCK = 512;

  private final OutputStream out;
  private long entryRemaining;
  private long entrySize;
  private boolean finished;

  TarWriter(OutputStream out) {
    this.out = out;
  }

  /** Adds a directory entry; {@code name} ends with {@code /}. */
  void directory(String name) throws IOException {
    header(name.endsWith("/") ? name : name + "/", 0755, 0, (byte) '5');
  }

  /** Adds a regular file with the given content. */
  void file(String name, byte[] content) throws IOException {
    beginFile(name, content.length);
    write(content, 0, content.length);
    endFile();
  }

  /**
   * Starts a regular file of {@code size} bytes; follow with {@link #write} and {@link #endFile}.
   */
  void beginFile(String name, long size) throws IOException {
    header(name, 0644, size, (byte) '0');
    entrySize = size;
    entryRemaining = size;
  }

  /** Writes part of the current file's content. */
  void write(byte[] b, int off, int len) throws IOException {
    if (len > entryRemaining) {
      throw new IllegalStateException("entry overflow: " + len + " > " + entryRemaining);
    }
    out.write(b, off, len);
    entryRemaining -= len;
  }

  /** Ends the current file, padding it to a 512-byte block. */
  void endFile() throws IOException {
    if (entryRemaining != 0) {
      throw new IllegalStateException(entryRemaining + " bytes of the entry were not written");
    }
    int pad = (int) ((BLOCK - entrySize % BLOCK) % BLOCK);
    out.write(new byte[pad]);
    entrySize = 0;
  }

  /** Writes the two zero blocks that end an archive. Does not close the stream. */
  void finish() throws IOException {
    if (!finished) {
      out.write(new byte[2 * BLOCK]);
      finished = true;
    }
  }

  private void header(String name, int mode, long size, byte type) throws IOException {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length > 100) {
      throw new IllegalArgumentException("tar name longer than 100 bytes: " + name);
    }
    byte[] h = new byte[BLOCK];
    System.arraycopy(nameBytes, 0, h, 0, nameBytes.length);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0); // uid
    octal(h, 116, 8, 0); // gid
    octal(h, 124, 12, size);
    octal(h, 136, 12, MTIME);
    h[156] = type;
    ascii(h, 257, "ustar\0");
    ascii(h, 263, "00");
    ascii(h, 265, "root");
    ascii(h, 297, "root");
    octal(h, 329, 8, 0); // devmajor
    octal(h, 337, 8, 0); // devminor
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    // Six octal digits, NUL, space: the form GNU and Go tar write.
    String chk = String.format("%06o", sum);
    ascii(h, 148, chk);
    h[154] = 0;
    h[155] = ' ';
    out.write(h);
  }

  /** Zero-padded octal in {@code len - 1} digits followed by NUL. */
  private static void octal(byte[] h, int off, int len, long value) {
    String digits = Long.toOctalString(value);
    if (digits.length() > len - 1) {
      throw new IllegalArgumentException("value too large for a " + len + "-byte field: " + value);
    }
    String padded = "0".repeat(len - 1 - digits.length()) + digits;
    ascii(h, off, padded);
    h[off + len - 1] = 0;
  }

  private static void ascii(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }
}
