package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Reads a committed blob's range one chunk per {@link #read}. */
final class CommittedBlobReader implements BlobReader {
  private static final CompletableFuture<Void> READY = CompletableFuture.completedFuture(null);

  private final RocksBlobStore store;
  private final Digest digest;
  private final BlobRecord record;
  private final BlobRange.Resolved range;
  private final Runnable releaseLease;
  private long position;

  CommittedBlobReader(
      RocksBlobStore store,
      Digest digest,
      BlobRecord record,
      BlobRange.Resolved range,
      Runnable releaseLease) {
    this.store = store;
    this.releaseLease = releaseLease;
    this.digest = digest;
    this.record = record;
    this.range = range;
    this.position = range.start();
  }

  @Override
  public BlobRange.Resolved range() {
    return range;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public boolean isDone() {
    return position >= range.endExclusive();
  }

  @Override
  public CompletionStage<Void> readable() {
    return READY;
  }

  @Override
  public int chunkSize() {
    return record.chunkSize();
  }

  @Override
  public boolean readInto(ByteBuffer chunk) {
    if (isDone()) {
      return false;
    }
    int index = (int) (position / record.chunkSize());
    long chunkStart = (long) index * record.chunkSize();
    int length = store.getChunkInto(digest, record.generation(), index, chunk);
    if (length < 0) {
      BlobRecord now = store.record(digest);
      if (now == null || now.generation() != record.generation()) {
        throw new BlobGoneException(digest);
      }
      throw new CorruptBlobException(digest, "chunk " + index + " is missing");
    }
    long expectedLength = Math.min(record.chunkSize(), record.size() - chunkStart);
    if (length != expectedLength) {
      throw new CorruptBlobException(
          digest, "chunk " + index + " has " + length + " bytes, expected " + expectedLength);
    }
    long end = Math.min(range.endExclusive(), chunkStart + length);
    chunk.limit((int) (end - chunkStart)).position((int) (position - chunkStart));
    position = end;
    return true;
  }

  @Override
  public void close() {
    position = range.endExclusive();
    releaseLease.run();
  }
}
