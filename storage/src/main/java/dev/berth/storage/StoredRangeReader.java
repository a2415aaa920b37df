package dev.berth.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reader over a committed blob's resolved range, for every store: always readable, done at the
 * end of the range or once closed, and its hold on the blob (a lease) let go once. A store says
 * only how to read the next bytes ({@link #readFrom}) and what else to close ({@link
 * #closeSource}).
 */
public abstract class StoredRangeReader implements BlobReader {
  private static final CompletableFuture<Void> READY = CompletableFuture.completedFuture(null);

  protected final Digest digest;
  private final BlobRange.Resolved range;
  private final int chunkSize;
  private final Runnable release;
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile boolean closed;
  private long position;

  /**
   * @param chunkSize at most this many bytes per read: the capacity {@link #readInto} needs
   * @param release lets go of the blob (a lease); run once, at close
   */
  protected StoredRangeReader(
      Digest digest, BlobRange.Resolved range, int chunkSize, Runnable release) {
    this.digest = digest;
    this.range = range;
    this.chunkSize = chunkSize;
    this.release = release;
    this.position = range.start();
  }

  /**
   * Reads stored bytes from {@code from} (before {@code end}, at most {@link #chunkSize}) into
   * {@code chunk}, setting its position and limit around them.
   *
   * @return the position after them, more than {@code from}
   */
  protected abstract long readFrom(ByteBuffer chunk, long from, long end);

  /** Closes what the reader opened (a file, a response body); called once, before the release. */
  protected void closeSource() {}

  @Override
  public final BlobRange.Resolved range() {
    return range;
  }

  @Override
  public final long position() {
    return position;
  }

  @Override
  public final boolean isDone() {
    return closed || position >= range.endExclusive();
  }

  @Override
  public final CompletionStage<Void> readable() {
    return READY;
  }

  @Override
  public final int chunkSize() {
    return chunkSize;
  }

  @Override
  public final boolean readInto(ByteBuffer chunk) {
    if (isDone()) {
      return false;
    }
    position = readFrom(chunk, position, range.endExclusive());
    return true;
  }

  @Override
  public final void close() {
    closed = true;
    if (released.compareAndSet(false, true)) {
      try {
        closeSource();
      } finally {
        release.run();
      }
    }
  }
}
