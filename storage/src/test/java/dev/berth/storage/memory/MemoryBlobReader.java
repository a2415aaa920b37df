package dev.berth.storage.memory;

import dev.berth.storage.BlobRange;
import dev.berth.storage.Digest;
import dev.berth.storage.FollowingReader;
import dev.berth.storage.WriteProgress;
import java.nio.ByteBuffer;

/**
 * Reads a committed blob or follows a write by the rules of {@link FollowingReader}; only where the
 * bytes are (chunk arrays in the heap) is this store's own.
 */
final class MemoryBlobReader extends FollowingReader {
  private final MemoryWrite write;

  MemoryBlobReader(
      Digest digest, int chunkSize, MemoryWrite write, BlobRange requested, Runnable release) {
    super(digest, chunkSize, write.progress(), requested, release);
    this.write = write;
  }

  @Override
  protected long read(WriteProgress.Snapshot s, ByteBuffer chunk, long from, long end) {
    int index = (int) (from / chunkSize());
    long chunkStart = (long) index * chunkSize();
    byte[] bytes = write.chunk(index);
    if (bytes == null) {
      return -1; // the write failed after the snapshot: look again, and report why
    }
    long stop = Math.min(end, chunkStart + bytes.length);
    chunk.clear();
    chunk.put(bytes);
    chunk.limit((int) (stop - chunkStart)).position((int) (from - chunkStart));
    return stop;
  }
}
