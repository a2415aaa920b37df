package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.FollowingReader;
import dev.berth.storage.WriteProgress;
import java.nio.ByteBuffer;

/**
 * Follows a write in progress by the rules of {@link FollowingReader}, reading the chunks already
 * stored. Bytes come from storage, not from the writer, so a slow follower never holds the writer
 * back and costs no memory beyond one chunk.
 */
final class LiveBlobReader extends FollowingReader {
  private final RocksBlobStore store;

  LiveBlobReader(
      RocksBlobStore store,
      Digest digest,
      int chunkSize,
      WriteProgress progress,
      BlobRange requested,
      Runnable releaseLease) {
    super(digest, chunkSize, progress, requested, releaseLease);
    this.store = store;
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
}
