package dev.berth.proxy.transfer;

import dev.berth.storage.BlobReader;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * A committed blob as an {@link InputStream}, one chunk in memory at a time, re-hashed on the way:
 * storage skips its own checksums on reads, so an export checks the bytes against the digest before
 * the layout is finished (a mismatch fails the last read).
 */
final class BlobInputStream extends InputStream {
  private final BlobReader reader;
  private final Digest digest;
  private final DigestVerifier verifier;
  private final ByteBuffer chunk;
  private boolean exhausted;

  BlobInputStream(BlobReader reader, Digest digest) {
    this.reader = reader;
    this.digest = digest;
    this.verifier = digest.newVerifier();
    this.chunk = ByteBuffer.allocate(reader.chunkSize());
    chunk.limit(0);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] into, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (!chunk.hasRemaining() && !fill()) {
      return -1;
    }
    int n = Math.min(length, chunk.remaining());
    chunk.get(into, offset, n);
    return n;
  }

  private boolean fill() throws IOException {
    if (exhausted) {
      return false;
    }
    chunk.clear();
    if (!reader.readInto(chunk)) {
      exhausted = true;
      Digest actual = verifier.finish();
      if (!actual.equals(digest)) {
        throw new IOException("cached blob " + digest + " is damaged: its bytes hash to " + actual);
      }
      return false;
    }
    verifier.update(chunk.duplicate());
    return true;
  }

  @Override
  public void close() {
    reader.close();
  }
}
