package dev.berth.storage.s3;

import dev.berth.storage.BlobRange;
import dev.berth.storage.Digest;
import dev.berth.storage.FollowingReader;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Follows a write through its spool file, by the rules of {@link FollowingReader}: the bytes
 * spooled so far, the range's last byte once the object is published, a failure when the write
 * fails.
 */
final class SpoolReader extends FollowingReader<SpoolProgress.Snapshot> {
  private final SpoolProgress progress;
  private final Spool spool;
  private final Runnable release;

  SpoolReader(
      Digest digest,
      int chunkSize,
      SpoolProgress progress,
      Spool spool,
      BlobRange requested,
      Runnable release) {
    super(digest, chunkSize, requested, progress.snapshot().size());
    this.progress = progress;
    this.spool = spool;
    this.release = release;
  }

  @Override
  protected SpoolProgress.Snapshot snapshot() {
    return progress.snapshot();
  }

  @Override
  protected CompletableFuture<Void> nextChange() {
    return progress.nextChange();
  }

  @Override
  protected boolean committed(SpoolProgress.Snapshot s) {
    return s.state() == SpoolProgress.State.COMMITTED;
  }

  @Override
  protected boolean failed(SpoolProgress.Snapshot s) {
    return s.state() == SpoolProgress.State.FAILED;
  }

  @Override
  protected @Nullable Throwable failure(SpoolProgress.Snapshot s) {
    return s.failure();
  }

  @Override
  protected long stored(SpoolProgress.Snapshot s) {
    return s.spooled();
  }

  @Override
  protected long size(SpoolProgress.Snapshot s) {
    return s.size();
  }

  @Override
  protected long read(SpoolProgress.Snapshot s, ByteBuffer chunk, long from, long end) {
    chunk.clear().limit((int) (Math.min(end, from + chunkSize()) - from));
    spool.read(chunk, from);
    chunk.flip();
    return from + chunk.remaining();
  }

  @Override
  protected void release() {
    release.run();
  }
}
