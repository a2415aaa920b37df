package dev.berth.storage.memory;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import dev.berth.storage.WriteAbortedException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Reads a committed blob or follows a write, with the contract's rules: the last byte of the range
 * is held back until the write committed ({@link BlobRange.Resolved#readableEnd}), and a failed
 * write fails the reader. The waiting is written again here rather than shared with the RocksDB
 * readers on purpose: the conformance suite then checks two implementations, not one twice.
 */
final class MemoryBlobReader implements BlobReader {
  private final Digest digest;
  private final int chunkSize;
  private final MemoryWrite write;
  private final BlobRange requested;
  private final Runnable release;
  private volatile BlobRange.@Nullable Resolved resolved;
  private volatile long position;
  private volatile boolean closed;

  MemoryBlobReader(
      Digest digest, int chunkSize, MemoryWrite write, BlobRange requested, Runnable release) {
    this.digest = digest;
    this.chunkSize = chunkSize;
    this.write = write;
    this.requested = requested;
    this.release = release;
    long size = write.snapshot().size();
    if (size >= 0) {
      resolve(size);
    }
  }

  private BlobRange.Resolved resolve(long size) {
    BlobRange.Resolved r = requested.resolve(size);
    if (resolved == null) {
      resolved = r;
      position = r.start();
    }
    return r;
  }

  @Override
  public BlobRange.Resolved range() {
    BlobRange.Resolved r = resolved;
    if (r != null) {
      return r;
    }
    MemoryWrite.Snapshot s = write.snapshot();
    if (s.size() >= 0 && s.state() != MemoryWrite.State.FAILED) {
      return resolve(s.size());
    }
    throw new IllegalStateException("size of " + digest + " not known yet: await readable()");
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public boolean isDone() {
    BlobRange.Resolved r = resolved;
    return closed || (r != null && position >= r.endExclusive());
  }

  private boolean ready(MemoryWrite.Snapshot s) {
    if (closed || s.state() == MemoryWrite.State.FAILED) {
      return true;
    }
    BlobRange.Resolved r = resolved;
    if (r == null) {
      return s.size() >= 0;
    }
    return isDone() || readableLimit(s, r) > position;
  }

  /** Until the digest is verified the last byte of the range is held back. */
  private static long readableLimit(MemoryWrite.Snapshot s, BlobRange.Resolved r) {
    return r.readableEnd(s.stored(), s.state() == MemoryWrite.State.COMMITTED);
  }

  @Override
  public CompletionStage<Void> readable() {
    CompletableFuture<Void> next = write.nextChange();
    if (ready(write.snapshot())) {
      return CompletableFuture.completedFuture(null);
    }
    return next.thenCompose(ignored -> readable());
  }

  @Override
  public int chunkSize() {
    return chunkSize;
  }

  @Override
  public boolean readInto(ByteBuffer chunk) {
    while (true) {
      try {
        readable().toCompletableFuture().join();
      } catch (CompletionException e) {
        throw new StorageException("waiting for " + digest + " failed", e.getCause());
      }
      MemoryWrite.Snapshot s = write.snapshot();
      if (closed) {
        return false;
      }
      if (s.state() == MemoryWrite.State.FAILED) {
        Throwable failure = s.failure();
        throw new WriteAbortedException(
            digest, failure != null ? failure : new IllegalStateException("aborted"));
      }
      BlobRange.Resolved r = resolved != null ? resolved : resolve(s.size());
      if (position >= r.endExclusive()) {
        return false;
      }
      long end = readableLimit(s, r);
      if (end <= position) {
        continue; // only the held-back last byte is left: wait for the commit
      }
      int index = (int) (position / chunkSize);
      long chunkStart = (long) index * chunkSize;
      byte[] bytes = write.chunk(index);
      end = Math.min(end, chunkStart + bytes.length);
      chunk.clear();
      chunk.put(bytes);
      chunk.limit((int) (end - chunkStart)).position((int) (position - chunkStart));
      position = end;
      return true;
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      release.run();
    }
  }
}
