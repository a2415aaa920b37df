package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers appended bytes into one chunk-sized direct buffer, hashing them on the way, and stores
 * each full chunk under this writer's generation. Memory per writer is one chunk, outside the Java
 * heap: RocksDB reads it in place instead of copying a Java array first.
 */
final class RocksBlobWriter implements BlobWriter {
  private static final Logger log = LoggerFactory.getLogger(RocksBlobWriter.class);

  private final RocksBlobStore store;
  private final Digest digest;
  private final long generation;
  private final long expectedSize;
  private final int chunkSize;
  private final DigestVerifier verifier;
  private boolean verified;
  private final WriteProgress progress;
  private final ByteBuffer buffer;
  private int nextIndex;
  private long written;
  private long stored;
  private volatile boolean finished;
  private volatile boolean committed;

  RocksBlobWriter(
      RocksBlobStore store, Digest digest, long generation, long expectedSize, int chunkSize) {
    this.store = store;
    this.digest = digest;
    this.generation = generation;
    this.expectedSize = expectedSize;
    this.chunkSize = chunkSize;
    this.verifier = digest.newVerifier();
    this.progress = new WriteProgress(generation, expectedSize);
    this.buffer = ByteBuffer.allocateDirect(chunkSize);
  }

  @Override
  public Digest digest() {
    return digest;
  }

  @Override
  public long written() {
    return written;
  }

  @Override
  public void append(ByteBuffer bytes) {
    requireOpen();
    try {
      verifier.updateWithin(bytes, expectedSize);
      while (bytes.hasRemaining()) {
        int n = Math.min(bytes.remaining(), buffer.remaining());
        ByteBuffer piece = bytes.slice();
        piece.limit(n);
        buffer.put(piece);
        bytes.position(bytes.position() + n);
        written += n;
        if (!buffer.hasRemaining()) {
          buffer.flip();
          stored += store.putChunk(digest, generation, nextIndex, buffer);
          nextIndex++;
          buffer.clear();
          progress.advance((long) nextIndex * chunkSize);
        }
      }
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  private void requireOpen() {
    if (finished) {
      throw new IllegalStateException("write of " + digest + " is already finished");
    }
  }

  @Override
  public void verify() {
    requireOpen();
    if (verified) {
      return;
    }
    try {
      verifier.check(expectedSize);
      verified = true;
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  @Override
  public BlobInfo commit() {
    try {
      verify(); // refuses a finished write too
      if (buffer.position() > 0) {
        buffer.flip();
        stored += store.putChunk(digest, generation, nextIndex, buffer);
      }
      BlobRecord visible = store.publish(digest, generation, stored, chunkSize);
      finished = true;
      committed = true;
      progress.committed(visible.size(), visible.generation());
      return visible.toInfo(digest);
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  @Override
  public void abort(Throwable reason) {
    if (committed) {
      return;
    }
    if (finished) {
      // Already aborted; only the first reason reaches followers.
      if (progress.snapshot().state() == WriteProgress.State.FAILED) {
        return;
      }
    }
    finished = true;
    try {
      store.discard(digest, generation, stored);
    } catch (StorageException e) {
      // The upload record stays; the next open reclaims the chunks.
      log.warn("discarding write of {} failed, reclaimed at next start: {}", digest, e.toString());
    } finally {
      progress.failed(reason);
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
