package dev.berth.storage.memory;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.Digest;
import dev.berth.storage.VerifyingBlobWriter;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** One write into a {@link MemoryBlobStore}: kept as chunk-sized arrays. */
final class MemoryBlobWriter extends VerifyingBlobWriter {
  private final MemoryBlobStore store;
  private final int chunkSize;
  private final MemoryWrite write;
  private byte[] buffer;
  private int buffered;
  private long taken;

  MemoryBlobWriter(MemoryBlobStore store, Digest digest, long expectedSize, int chunkSize) {
    super(digest, expectedSize);
    this.store = store;
    this.chunkSize = chunkSize;
    this.write = MemoryWrite.writing(expectedSize);
    this.buffer = new byte[chunkSize];
  }

  MemoryWrite write() {
    return write;
  }

  @Override
  protected void store(ByteBuffer bytes) {
    while (bytes.hasRemaining()) {
      int n = Math.min(bytes.remaining(), chunkSize - buffered);
      bytes.get(buffer, buffered, n);
      buffered += n;
      if (buffered == chunkSize) {
        storeBuffer();
      }
    }
  }

  private void storeBuffer() {
    byte[] chunk = buffered == chunkSize ? buffer : Arrays.copyOf(buffer, buffered);
    store.take(chunk.length, digest);
    taken += chunk.length;
    write.append(chunk);
    buffer = new byte[chunkSize];
    buffered = 0;
  }

  @Override
  protected BlobInfo publish() {
    if (buffered > 0) {
      storeBuffer();
    }
    return store.publish(this, written(), taken);
  }

  @Override
  protected void discard(Throwable reason) {
    store.discard(this, taken);
    taken = 0;
    write.failed(reason);
  }

  @Override
  public BlobReader follow(BlobRange range) {
    return store.follow(digest, chunkSize, write, range);
  }

  /** Chunks this unfinished write holds. */
  int chunks() {
    return write.chunkCount();
  }
}
