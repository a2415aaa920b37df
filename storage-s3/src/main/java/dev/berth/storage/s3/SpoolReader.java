package dev.berth.storage.s3;

import dev.berth.storage.BlobRange;
import dev.berth.storage.Digest;
import dev.berth.storage.FollowingReader;
import dev.berth.storage.WriteProgress;
import java.nio.ByteBuffer;

/**
 * Follows a write through its spool file, by the rules of {@link FollowingReader}: the bytes
 * spooled so far, the range's last byte once the object is published, a failure when the write
 * fails.
 */
final class SpoolReader extends FollowingReader {
  private final Spool spool;

  SpoolReader(
      Digest digest,
      int chunkSize,
      WriteProgress progress,
      Spool spool,
      BlobRange requested,
      Runnable release) {
    super(digest, chunkSize, progress, requested, release);
    this.spool = spool;
  }

  @Override
  protected long read(WriteProgress.Snapshot s, ByteBuffer chunk, long from, long end) {
    chunk.clear().limit((int) (Math.min(end, from + chunkSize()) - from));
    spool.read(chunk, from);
    chunk.flip();
    return from + chunk.remaining();
  }
}
