package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.FollowingReader;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Follows a write in progress: it reads the chunks already stored, waits on the writer's {@link
 * WriteProgress} for more, and fails once the write fails. Bytes come from storage, not from the
 * writer, so a slow follower never holds the writer back and costs no memory beyond one chunk.
 */
final class LiveBlobReader extends FollowingReader<WriteProgress.Snapshot> {
  private final RocksBlobStore store;
  private final WriteProgress progress;
  private final Runnable releaseLease;

  LiveBlobReader(
      RocksBlobStore store,
      Digest digest,
      int chunkSize,
      WriteProgress progress,
      BlobRange requested,
      Runnable releaseLease) {
    super(digest, chunkSize, requested, progress.snapshot().size());
    this.store = store;
    this.progress = progress;
    this.releaseLease = releaseLease;
  }

  @Override
  protected WriteProgress.Snapshot snapshot() {
    return progress.snapshot();
  }

  @Override
  protected CompletableFuture<Void> nextChange() {
    return progress.nextChange();
  }

  @Override
  protected boolean committed(WriteProgress.Snapshot s) {
    return s.state() == WriteProgress.State.COMMITTED;
  }

  @Override
  protected boolean failed(WriteProgress.Snapshot s) {
    return s.state() == WriteProgress.State.FAILED;
  }

  @Override
  protected @Nullable Throwable failure(WriteProgress.Snapshot s) {
    return s.failure();
  }

  @Override
  protected long stored(WriteProgress.Snapshot s) {
    return s.durable();
  }

  @Override
  protected long size(WriteProgress.Snapshot s) {
    return s.size();
  }

  /**
   * The chunk of {@code s}'s generation holding {@code from}; a racing writer's win looks again.
   */
  @Override
  protected long read(WriteProgress.Snapshot s, ByteBuffer chunk, long from, long end) {
    int index = (int) (from / chunkSize());
    long chunkStart = (long) index * chunkSize();
    int length = store.getChunkInto(digest, s.generation(), index, chunk);
    if (length < 0) {
      WriteProgress.Snapshot after = progress.snapshot();
      if (after.generation() != s.generation() || after.state() != s.state()) {
        return -1; // a racing writer won, or ours failed: look again
      }
      if (after.state() == WriteProgress.State.COMMITTED) {
        throw new BlobGoneException(digest);
      }
      throw new CorruptBlobException(digest, "chunk " + index + " vanished during the write");
    }
    long stop = Math.min(end, chunkStart + length);
    if (stop <= from) {
      return -1;
    }
    chunk.limit((int) (stop - chunkStart)).position((int) (from - chunkStart));
    return stop;
  }

  @Override
  protected void release() {
    releaseLease.run();
  }
}
