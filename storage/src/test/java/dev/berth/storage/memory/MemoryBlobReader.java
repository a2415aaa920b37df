package dev.berth.storage.memory;

import dev.berth.storage.BlobRange;
import dev.berth.storage.Digest;
import dev.berth.storage.FollowingReader;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Reads a committed blob or follows a write by the rules of {@link FollowingReader}; only where the
 * bytes are (chunk arrays in the heap) is this store's own.
 */
final class MemoryBlobReader extends FollowingReader<MemoryWrite.Snapshot> {
  private final MemoryWrite write;
  private final Runnable release;

  MemoryBlobReader(
      Digest digest, int chunkSize, MemoryWrite write, BlobRange requested, Runnable release) {
    super(digest, chunkSize, requested, write.snapshot().size());
    this.write = write;
    this.release = release;
  }

  @Override
  protected MemoryWrite.Snapshot snapshot() {
    return write.snapshot();
  }

  @Override
  protected CompletableFuture<Void> nextChange() {
    return write.nextChange();
  }

  @Override
  protected boolean committed(MemoryWrite.Snapshot s) {
    return s.state() == MemoryWrite.State.COMMITTED;
  }

  @Override
  protected boolean failed(MemoryWrite.Snapshot s) {
    return s.state() == MemoryWrite.State.FAILED;
  }

  @Override
  protected @Nullable Throwable failure(MemoryWrite.Snapshot s) {
    return s.failure();
  }

  @Override
  protected long stored(MemoryWrite.Snapshot s) {
    return s.stored();
  }

  @Override
  protected long size(MemoryWrite.Snapshot s) {
    return s.size();
  }

  @Override
  protected long read(MemoryWrite.Snapshot s, ByteBuffer chunk, long from, long end) {
    int index = (int) (from / chunkSize());
    long chunkStart = (long) index * chunkSize();
    byte[] bytes = write.chunk(index);
    long stop = Math.min(end, chunkStart + bytes.length);
    chunk.clear();
    chunk.put(bytes);
    chunk.limit((int) (stop - chunkStart)).position((int) (from - chunkStart));
    return stop;
  }

  @Override
  protected void release() {
    release.run();
  }
}
