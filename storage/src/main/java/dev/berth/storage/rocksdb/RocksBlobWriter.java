package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.ChunkBuffers;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import dev.berth.storage.VerifyingBlobWriter;
import dev.berth.storage.WriteProgress;
import java.nio.ByteBuffer;

/**
 * Writes a small blob ({@link dev.berth.storage.StorageOptions#inlineUpTo}) as chunks: buffers
 * appended bytes into one chunk-sized direct buffer and stores each full chunk under this writer's
 * generation. Memory per writer is one chunk, outside the Java heap: RocksDB reads it in place
 * instead of copying a Java array first. The buffer comes from the store's pool and goes back when
 * the write ends.
 */
final class RocksBlobWriter extends VerifyingBlobWriter {
  private final RocksBlobStore store;
  private final long generation;
  private final int chunkSize;
  private final WriteProgress progress;
  private final ByteBuffer buffer;
  private int nextIndex;
  private long stored;

  RocksBlobWriter(
      RocksBlobStore store, Digest digest, long generation, long expectedSize, int chunkSize) {
    super(digest, expectedSize);
    this.store = store;
    this.generation = generation;
    this.chunkSize = chunkSize;
    this.progress = new WriteProgress(generation, expectedSize);
    this.buffer = store.writeBuffers().take(chunkSize);
  }

  @Override
  protected void store(ByteBuffer bytes) {
    while (bytes.hasRemaining()) {
      ChunkBuffers.fill(buffer, bytes);
      if (!buffer.hasRemaining()) {
        buffer.flip();
        stored += store.putChunk(digest, generation, nextIndex, buffer);
        nextIndex++;
        buffer.clear();
        progress.advance((long) nextIndex * chunkSize);
      }
    }
  }

  @Override
  protected BlobInfo publish() {
    if (buffer.position() > 0) {
      buffer.flip();
      stored += store.putChunk(digest, generation, nextIndex, buffer);
    }
    BlobRecord visible = store.publish(digest, generation, stored, chunkSize);
    store.writeBuffers().give(buffer); // the write is over: no append follows a publish
    progress.committed(visible.size(), visible.generation());
    return visible.toInfo(digest);
  }

  @Override
  protected void discard(Throwable reason) {
    // Followers learn of the failure before the chunks go: one that finds a chunk gone must see
    // why, not report a corrupt blob.
    progress.failed(reason);
    try {
      store.discard(digest, generation, stored);
    } catch (StorageException e) {
      RocksBlobStore.logDiscardFailure(digest, e); // the next open reclaims the chunks
    } finally {
      store.writeBuffers().give(buffer); // aborted: nothing appends any more
    }
  }

  @Override
  public BlobReader follow(BlobRange range) {
    Runnable release = store.leaseForFollower(digest);
    try {
      return new LiveBlobReader(store, digest, chunkSize, progress, range, release);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
  }
}
