package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import dev.berth.storage.WriteAbortedException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Follows a write in progress: it reads the chunks already stored, waits on the writer's {@link
 * WriteProgress} for more, and fails once the write fails. Bytes come from storage, not from the
 * writer, so a slow follower never holds the writer back and costs no memory beyond one chunk.
 */
final class LiveBlobReader implements BlobReader {
  private final RocksBlobStore store;
  private final Digest digest;
  private final int chunkSize;
  private final WriteProgress progress;
  private final BlobRange requested;
  private volatile BlobRange.@Nullable Resolved resolved;
  private volatile long position;
  private volatile boolean closed;
  private final Runnable releaseLease;

  LiveBlobReader(
      RocksBlobStore store,
      Digest digest,
      int chunkSize,
      WriteProgress progress,
      BlobRange requested,
      Runnable releaseLease) {
    this.store = store;
    this.releaseLease = releaseLease;
    this.digest = digest;
    this.chunkSize = chunkSize;
    this.progress = progress;
    this.requested = requested;
    WriteProgress.Snapshot s = progress.snapshot();
    if (s.size() >= 0) {
      resolve(s.size());
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

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException while the size is unknown (await {@link #readable()} first)
   * @throws dev.berth.storage.RangeNotSatisfiableException once the size shows the range is outside
   *     the blob
   */
  @Override
  public BlobRange.Resolved range() {
    BlobRange.Resolved r = resolved;
    if (r != null) {
      return r;
    }
    WriteProgress.Snapshot s = progress.snapshot();
    if (s.size() >= 0 && s.state() != WriteProgress.State.FAILED) {
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
    if (closed || s.state() == WriteProgress.State.FAILED) {
      return true;
    }
    BlobRange.Resolved r = resolved;
    if (r == null) {
      return s.size() >= 0;
    }
    return isDone() || readableLimit(s, r) > position;
  }

  /**
   * How far this reader may go now. Until the write is committed (its digest verified), the last
   * byte of the range is held back: a client can then never see a clean end of bytes that turn out
   * wrong, because the failure reaches it before its final byte does.
   */
  private static long readableLimit(WriteProgress.Snapshot s, BlobRange.Resolved r) {
    return r.readableEnd(s.durable(), s.state() == WriteProgress.State.COMMITTED);
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
      if (s.state() == WriteProgress.State.FAILED) {
        Throwable failure = s.failure();
        throw new WriteAbortedException(
            digest, failure != null ? failure : new IllegalStateException("aborted"));
      }
      BlobRange.Resolved r = resolved != null ? resolved : resolve(s.size());
      if (position >= r.endExclusive()) {
        return false;
      }
      int index = (int) (position / chunkSize);
      long chunkStart = (long) index * chunkSize;
      int length = store.getChunkInto(digest, s.generation(), index, chunk);
      if (length < 0) {
        WriteProgress.Snapshot after = progress.snapshot();
        if (after.generation() != s.generation() || after.state() != s.state()) {
          continue; // a racing writer won, or ours failed: look again
        }
        if (after.state() == WriteProgress.State.COMMITTED) {
          throw new BlobGoneException(digest);
        }
        throw new CorruptBlobException(digest, "chunk " + index + " vanished during the write");
      }
      long end = Math.min(readableLimit(s, r), chunkStart + length);
      if (end <= position) {
        continue; // only the held-back last byte is left: wait for the commit
      }
      chunk.limit((int) (end - chunkStart)).position((int) (position - chunkStart));
      position = end;
      return true;
    }
  }

  @Override
  public void close() {
    closed = true;
    releaseLease.run();
  }
}
