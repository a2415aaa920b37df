package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import java.nio.ByteBuffer;
import java.time.Instant;

/** The value stored in the {@code blobs} column family for a committed blob. */
record BlobRecord(
    long size, int chunkSize, long generation, long createdMillis, long accessMillis) {
  private static final byte VERSION = 1;
  private static final int LENGTH = 1 + 8 + 4 + 8 + 8 + 8;

  byte[] encode() {
    return ByteBuffer.allocate(LENGTH)
        .put(VERSION)
        .putLong(size)
        .putInt(chunkSize)
        .putLong(generation)
        .putLong(createdMillis)
        .putLong(accessMillis)
        .array();
  }

  static BlobRecord decode(Digest digest, byte[] value) {
    if (value.length != LENGTH || value[0] != VERSION) {
      throw new CorruptBlobException(digest, "unreadable metadata record");
    }
    ByteBuffer b = ByteBuffer.wrap(value, 1, LENGTH - 1);
    return new BlobRecord(b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.getLong());
  }

  BlobRecord withAccess(long millis) {
    return new BlobRecord(size, chunkSize, generation, createdMillis, millis);
  }

  int chunkCount() {
    return (int) ((size + chunkSize - 1) / chunkSize);
  }

  BlobInfo toInfo(Digest digest) {
    return new BlobInfo(
        digest,
        size,
        chunkSize,
        Instant.ofEpochMilli(createdMillis),
        Instant.ofEpochMilli(accessMillis));
  }
}
