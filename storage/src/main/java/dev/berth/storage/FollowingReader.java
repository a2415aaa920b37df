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
 * BlobRange.Resolved#readableEnd}), and fails once the write fails. A store says how its write
 * looks ({@code S}, an immutable snapshot) and how to read stored bytes; the rules are here once.
 *
 * @param <S> the store's snapshot of a write: state, bytes stored, size, failure
 */
public abstract class FollowingReader<S> implements BlobReader {
  protected final Digest digest;
  private final int chunkSize;
  private final BlobRange requested;
  private volatile BlobRange.@Nullable Resolved resolved;
  private volatile long position;
  private volatile boolean closed;
  private final AtomicBoolean released = new AtomicBoolean();

  /**
   * @param knownSize the blob's size when the write declared it, else -1 (the range then resolves
   *     once the size is known)
   * @throws RangeNotSatisfiableException when the known size shows the range is outside the blob
   */
  protected FollowingReader(Digest digest, int chunkSize, BlobRange requested, long knownSize) {
    this.digest = digest;
    this.chunkSize = chunkSize;
    this.requested = requested;
    if (knownSize >= 0) {
      resolve(knownSize);
    }
  }

  /** The write as it is now. */
  protected abstract S snapshot();

  /** Completes at the write's next change; take it before {@link #snapshot} to miss none. */
  protected abstract CompletableFuture<Void> nextChange();

  protected abstract boolean committed(S s);

  protected abstract boolean failed(S s);

  protected abstract @Nullable Throwable failure(S s);

  /** Bytes stored from the start: those a reader may have (less the held-back last byte). */
  protected abstract long stored(S s);

  /** The blob's size, -1 while unknown. */
  protected abstract long size(S s);

  /**
   * Reads stored bytes from {@code from} (before {@code end}, at most one chunk) into {@code
   * chunk}, setting its position and limit around them.
   *
   * @return the position after them, or -1 to look at the write again (it changed meanwhile)
   */
  protected abstract long read(S s, ByteBuffer chunk, long from, long end);

  /** Lets go of what the reader holds (a lease, a spool); called once. */
  protected abstract void release();

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
    S s = snapshot();
    if (size(s) >= 0 && !failed(s)) {
      return resolve(size(s));
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

  private boolean ready(S s) {
    if (closed || failed(s)) {
      return true;
    }
    BlobRange.Resolved r = resolved;
    if (r == null) {
      return size(s) >= 0;
    }
    return isDone() || r.readableEnd(stored(s), committed(s)) > position;
  }

  @Override
  public CompletionStage<Void> readable() {
    CompletableFuture<Void> next = nextChange();
    if (ready(snapshot())) {
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
      S s = snapshot();
      if (closed) {
        return false;
      }
      if (failed(s)) {
        Throwable failure = failure(s);
        throw new WriteAbortedException(
            digest, failure != null ? failure : new IllegalStateException("aborted"));
      }
      BlobRange.Resolved r = resolved != null ? resolved : resolve(size(s));
      long from = position;
      if (from >= r.endExclusive()) {
        return false;
      }
      long end = r.readableEnd(stored(s), committed(s));
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
      release();
    }
  }
}
