package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.StoredRangeReader;
import java.nio.ByteBuffer;

/** Reads a committed blob's range stored as chunks, one chunk per {@link #readInto}. */
final class CommittedBlobReader extends StoredRangeReader {
  private final RocksBlobStore store;
  private final BlobRecord record;

  CommittedBlobReader(
      RocksBlobStore store,
      Digest digest,
      BlobRecord record,
      BlobRange.Resolved range,
      Runnable releaseLease) {
    super(digest, range, record.chunkSize(), releaseLease);
    this.store = store;
    this.record = record;
  }

  @Override
  protected long readFrom(ByteBuffer chunk, long from, long end) {
    int index = (int) (from / record.chunkSize());
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
    long stop = Math.min(end, chunkStart + length);
    chunk.limit((int) (stop - chunkStart)).position((int) (from - chunkStart));
    return stop;
  }
}
