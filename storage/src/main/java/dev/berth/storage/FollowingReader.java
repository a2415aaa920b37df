package dev.berth.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A reader that follows a write in progress, for every store: it returns the bytes stored so far,
 * waits for more, holds the range's last byte back until the write is verified ({@link
 * BlobRange.Resolved#readableEnd}), and fails once the write fails. A store says only how to read
 * stored bytes; the rules are here once, the write's state in its {@link WriteProgress}.
 */
public abstract class FollowingReader implements BlobReader {
  protected final Digest digest;
  protected final WriteProgress progress;
  private final int chunkSize;
  private final Runnable release;
  private final BlobRange requested;
  private volatile BlobRange.@Nullable Resolved resolved;
  private volatile long position;
  private volatile boolean closed;
  private final AtomicBoolean released = new AtomicBoolean();

  /**
   * @param release lets go of what the reader holds (a lease, a spool); run once, at close
   * @throws RangeNotSatisfiableException when the write's declared size shows the range is outside
   *     the blob (an unknown size resolves the range once it is known)
   */
  protected FollowingReader(
      Digest digest, int chunkSize, WriteProgress progress, BlobRange requested, Runnable release) {
    this.digest = digest;
    this.chunkSize = chunkSize;
    this.progress = progress;
    this.requested = requested;
    this.release = release;
    long knownSize = progress.snapshot().size();
    if (knownSize >= 0) {
      resolve(knownSize);
    }
  }

  /**
   * Reads stored bytes from {@code from} (before {@code end}, at most one chunk) into {@code
   * chunk}, setting its position and limit around them.
   *
   * @return the position after them, or -1 to look at the write again (it changed meanwhile)
   */
  protected abstract long read(WriteProgress.Snapshot s, ByteBuffer chunk, long from, long end);

  private BlobRange.Resolved resolve(long size) {
    BlobRange.Resolved r = requested.resolve(size);
    if (resolved == null) {
      resolved = r;
      position = r.start();
    }
    return r;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException while the size is unknown (await {@link #readable()} first)
   * @throws RangeNotSatisfiableException once the size shows the range is outside the blob
   */
  @Override
  public BlobRange.Resolved range() {
    BlobRange.Resolved r = resolved;
    if (r != null) {
      return r;
    }
    WriteProgress.Snapshot s = progress.snapshot();
    if (s.size() >= 0 && !failed(s)) {
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

  private boolean ready(WriteProgress.Snapshot s) {
    if (closed || failed(s)) {
      return true;
    }
    BlobRange.Resolved r = resolved;
    if (r == null) {
      return s.size() >= 0;
    }
    return isDone() || r.readableEnd(s.stored(), committed(s)) > position;
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
      WriteProgress.Snapshot s = progress.snapshot();
      if (closed) {
        return false;
      }
      if (failed(s)) {
        Throwable failure = s.failure();
        throw new WriteAbortedException(
            digest, failure != null ? failure : new IllegalStateException("aborted"));
      }
      BlobRange.Resolved r = resolved != null ? resolved : resolve(s.size());
      long from = position;
      if (from >= r.endExclusive()) {
        return false;
      }
      long end = r.readableEnd(s.stored(), committed(s));
      if (end <= from) {
        continue; // only the held-back last byte is left: wait for the commit
      }
      long after = read(s, chunk, from, end);
      if (after > from) {
        position = after;
        return true;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    if (released.compareAndSet(false, true)) {
      release.run();
    }
  }

  private static boolean committed(WriteProgress.Snapshot s) {
    return s.state() == WriteProgress.State.COMMITTED;
  }

  private static boolean failed(WriteProgress.Snapshot s) {
    return s.state() == WriteProgress.State.FAILED;
  }
}
