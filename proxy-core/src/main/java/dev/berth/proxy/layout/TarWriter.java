package dev.berth.proxy.layout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a POSIX ustar archive to a stream, entry by entry, copying file content through a fixed
 * buffer so that a many-GiB layer never sits in memory.
 *
 * <p>Output is reproducible: mtime, uid and gid are 0, user and group names empty, modes 0644 for
 * files and 0755 for directories, so the same entries give the same bytes. A name longer than 100
 * bytes goes into the ustar {@code prefix}/{@code name} split; one that cannot be split (a sha512
 * blob name is 141 bytes with a 128-byte last component) gets a pax {@code path} record, which
 * every current tar reads. Sizes of 8 GiB and more use GNU base-256, as GNU tar, bsdtar and Go do.
 *
 * <p>Not thread-safe. After any failure the archive is incomplete: further writes are refused and
 * {@link #close()} closes the stream without the end-of-archive blocks, so a reader sees a
 * truncated archive rather than a plausible short one.
 */
public final class TarWriter implements AutoCloseable {
  private static final int FILE_MODE = 0644;
  private static final int DIRECTORY_MODE = 0755;

  private final OutputStream out;
  private final byte[] buffer = new byte[64 * 1024];
  private boolean failed;
  private boolean closed;

  /** Writes to {@code out}, which {@link #close()} closes. Wrap it in a buffer if it is raw. */
  public TarWriter(OutputStream out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /** Adds a directory entry; a trailing {@code /} is added to {@code name} when missing. */
  public void directory(String name) throws IOException {
    String path = checkName(name);
    run(() -> writeHeader(path + "/", TarFormat.DIRECTORY, DIRECTORY_MODE, 0));
  }

  /**
   * Adds a regular file of exactly {@code size} bytes read from {@code content}. Reads no further
   * than {@code size} bytes and does not close {@code content}.
   *
   * @throws LayoutException when {@code content} ends before {@code size} bytes
   */
  public void file(String name, long size, InputStream content) throws IOException {
    String path = checkName(name);
    if (size < 0) {
      throw new IllegalArgumentException("size of " + name + " is negative: " + size);
    }
    Objects.requireNonNull(content, "content");
    run(
        () -> {
          writeHeader(path, TarFormat.REGULAR, FILE_MODE, size);
          long remaining = size;
          while (remaining > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
              throw new LayoutException(
                  "tar entry "
                      + path
                      + ": content ended after "
                      + (size - remaining)
                      + " of "
                      + size
                      + " bytes");
            }
            out.write(buffer, 0, n);
            remaining -= n;
          }
          out.write(new byte[(int) TarFormat.padding(size)]);
        });
  }

  /** Adds a small regular file held in memory (such as {@code index.json}). */
  public void file(String name, byte[] bytes) throws IOException {
    String path = checkName(name);
    run(
        () -> {
          writeHeader(path, TarFormat.REGULAR, FILE_MODE, bytes.length);
          out.write(bytes);
          out.write(new byte[(int) TarFormat.padding(bytes.length)]);
        });
  }

  /**
   * Writes the two zero blocks that end an archive, unless a write failed, and closes the stream.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try (out) {
      if (!failed) {
        out.write(new byte[2 * TarFormat.BLOCK]);
      }
    }
  }

  /**
   * Closes the stream without the end-of-archive blocks, so that what was written reads as
   * truncated: for a writer whose caller gave up.
   */
  void abandon() throws IOException {
    failed = true;
    close();
  }

  private interface Step {
    void run() throws IOException;
  }

  private void run(Step step) throws IOException {
    if (closed) {
      throw new IllegalStateException("tar writer is closed");
    }
    if (failed) {
      throw new IllegalStateException("tar writer failed earlier; the archive is incomplete");
    }
    boolean done = false;
    try {
      step.run();
      done = true;
    } finally {
      if (!done) {
        failed = true;
      }
    }
  }

  private void writeHeader(String path, char type, int mode, long size) throws IOException {
    String[] split = TarFormat.splitName(path);
    if (split == null) {
      // No ustar split fits: a pax header carries the full path, the ustar name a truncated one
      // for readers without pax support.
      byte[] records = TarFormat.paxRecords(Map.of("path", path));
      out.write(
          TarFormat.header(
              "",
              truncate("PaxHeaders/" + lastComponent(path)),
              TarFormat.PAX_HEADER,
              FILE_MODE,
              records.length,
              ""));
      out.write(records);
      out.write(new byte[(int) TarFormat.padding(records.length)]);
      split = new String[] {"", truncate(path)};
    }
    out.write(TarFormat.header(split[0], split[1], type, mode, size, ""));
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    boolean bad = trimmed.isEmpty() || name.indexOf('\0') >= 0;
    if (!bad) {
      try {
        bad = !String.join("/", TarFormat.components(trimmed)).equals(trimmed);
      } catch (IllegalArgumentException e) {
        bad = true;
      }
    }
    if (bad) {
      throw new IllegalArgumentException(
          "tar entry name '"
              + name
              + "' must be a relative path without '.', '..' or empty components");
    }
    return trimmed;
  }

  private static String lastComponent(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** At most 100 UTF-8 bytes, cut at a character boundary. */
  private static String truncate(String value) {
    StringBuilder result = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < value.length(); ) {
      int codePoint = value.codePointAt(i);
      String character = new String(Character.toChars(codePoint));
      bytes += character.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > TarFormat.NAME_LENGTH) {
        break;
      }
      result.append(character);
      i += Character.charCount(codePoint);
    }
    return result.toString();
  }
}
