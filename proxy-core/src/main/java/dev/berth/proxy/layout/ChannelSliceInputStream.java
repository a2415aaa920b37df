package dev.berth.proxy.layout;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The bytes {@code [start, start + length)} of a file, read with positional reads so that several
 * slices of one shared channel can be open at once and closing a slice leaves the channel open.
 */
final class ChannelSliceInputStream extends InputStream {
  private final FileChannel channel;
  private final long end;
  private final String what;
  private long position;
  private boolean closed;

  /**
   * @param what names the slice in errors, e.g. the archive and the entry
   */
  ChannelSliceInputStream(FileChannel channel, long start, long length, String what) {
    this.channel = channel;
    this.position = start;
    this.end = start + length;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException(what + ": stream is closed");
    }
    if (len == 0) {
      return 0;
    }
    if (position >= end) {
      return -1;
    }
    int want = (int) Math.min(len, end - position);
    int n = channel.read(ByteBuffer.wrap(b, off, want), position);
    if (n < 0) {
      // The index saw the file long enough; it shrank since.
      throw new EOFException(what + ": file ends at offset " + position + ", before " + end);
    }
    position += n;
    return n;
  }

  @Override
  public long skip(long n) {
    long skipped = Math.max(0, Math.min(n, end - position));
    position += skipped;
    return skipped;
  }

  @Override
  public int available() {
    return closed ? 0 : (int) Math.min(Integer.MAX_VALUE, end - position);
  }

  @Override
  public void close() {
    closed = true;
  }
}
