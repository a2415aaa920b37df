package dev.berth.storage.s3;

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
 * Follows a write through its spool file: the bytes spooled so far, then waits for more; the
 * range's last byte only once the digest is verified and the object published ({@link
 * BlobRange.Resolved#readableEnd}); a failed write fails it.
 */
final class SpoolReader implements BlobReader {
  private final Digest digest;
  private final int chunkSize;
  private final SpoolProgress progress;
  private final Spool spool;
  private final BlobRange requested;
  private final Runnable release;
  private volatile BlobRange.@Nullable Resolved resolved;
  private volatile long position;
  private volatile boolean closed;

  SpoolReader(
      Digest digest,
      int chunkSize,
      SpoolProgress progress,
      Spool spool,
      BlobRange requested,
      Runnable release) {
    this.digest = digest;
    this.chunkSize = chunkSize;
    this.progress = progress;
    this.spool = spool;
    this.requested = requested;
    this.release = release;
    long size = progress.snapshot().size();
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
    SpoolProgress.Snapshot s = progress.snapshot();
    if (s.size() >= 0 && s.state() != SpoolProgress.State.FAILED) {
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

  private boolean ready(SpoolProgress.Snapshot s) {
    if (closed || s.state() == SpoolProgress.State.FAILED) {
      return true;
    }
    BlobRange.Resolved r = resolved;
    if (r == null) {
      return s.size() >= 0;
    }
    return isDone() || readableEnd(s, r) > position;
  }

  private static long readableEnd(SpoolProgress.Snapshot s, BlobRange.Resolved r) {
    return r.readableEnd(s.spooled(), s.state() == SpoolProgress.State.COMMITTED);
  }

  @Override
  public CompletionStage<Void> readable() {
    CompletableFuture<Void> next = progress.nextChange();
    if (ready(progress.snapshot())) {
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
      SpoolProgress.Snapshot s = progress.snapshot();
      if (closed) {
        return false;
      }
      if (s.state() == SpoolProgress.State.FAILED) {
        Throwable failure = s.failure();
        throw new WriteAbortedException(
            digest, failure != null ? failure : new IllegalStateException("aborted"));
      }
      BlobRange.Resolved r = resolved != null ? resolved : resolve(s.size());
      if (position >= r.endExclusive()) {
        return false;
      }
      long end = Math.min(readableEnd(s, r), position + chunkSize);
      if (end <= position) {
        continue; // only the held-back last byte is left: wait for the commit
      }
      long from = position;
      chunk.clear().limit((int) (end - from));
      spool.read(chunk, from);
      chunk.flip();
      position = from + chunk.remaining();
      return true;
    }
  }

  private final java.util.concurrent.atomic.AtomicBoolean released =
      new java.util.concurrent.atomic.AtomicBoolean();

  @Override
  public void close() {
    closed = true;
    if (released.compareAndSet(false, true)) {
      release.run(); // once: a second release would delete the spool under the writer
    }
  }
}
