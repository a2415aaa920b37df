package dev.berth.storage.memory;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageException;
import java.nio.ByteBuffer;

/** One write into a {@link MemoryBlobStore}: hashed as it arrives, kept as chunk-sized arrays. */
final class MemoryBlobWriter implements BlobWriter {
  private final MemoryBlobStore store;
  private final Digest digest;
  private final long expectedSize;
  private final int chunkSize;
  private final DigestVerifier verifier;
  private final MemoryWrite write;
  private byte[] buffer;
  private int buffered;
  private long written;
  private long taken;
  private boolean verified;
  private volatile boolean finished;
  private volatile boolean committed;

  MemoryBlobWriter(MemoryBlobStore store, Digest digest, long expectedSize, int chunkSize) {
    this.store = store;
    this.digest = digest;
    this.expectedSize = expectedSize;
    this.chunkSize = chunkSize;
    this.verifier = digest.newVerifier();
    this.write = MemoryWrite.writing(expectedSize);
    this.buffer = new byte[chunkSize];
  }

  MemoryWrite write() {
    return write;
  }

  @Override
  public Digest digest() {
    return digest;
  }

  @Override
  public long written() {
    return written;
  }

  @Override
  public void append(ByteBuffer bytes) {
    requireOpen();
    try {
      verifier.updateWithin(bytes, expectedSize);
      while (bytes.hasRemaining()) {
        int n = Math.min(bytes.remaining(), chunkSize - buffered);
        bytes.get(buffer, buffered, n);
        buffered += n;
        written += n;
        if (buffered == chunkSize) {
          storeBuffer();
        }
      }
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  private void storeBuffer() {
    byte[] chunk = buffered == chunkSize ? buffer : java.util.Arrays.copyOf(buffer, buffered);
    store.take(chunk.length, digest);
    taken += chunk.length;
    write.append(chunk);
    buffer = new byte[chunkSize];
    buffered = 0;
  }

  private void requireOpen() {
    if (finished) {
      throw new IllegalStateException("write of " + digest + " is already finished");
    }
  }

  @Override
  public void verify() {
    requireOpen();
    if (verified) {
      return;
    }
    try {
      verifier.check(expectedSize);
      verified = true;
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  @Override
  public BlobInfo commit() {
    try {
      verify(); // refuses a finished write too
      if (buffered > 0) {
        storeBuffer();
      }
      BlobInfo info = store.publish(this, written, taken);
      finished = true;
      committed = true;
      return info;
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  @Override
  public void abort(Throwable reason) {
    if (committed || write.snapshot().state() == MemoryWrite.State.FAILED) {
      return; // only the first reason reaches followers
    }
    finished = true;
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
