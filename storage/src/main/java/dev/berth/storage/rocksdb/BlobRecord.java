package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The value stored in the {@code blobs} column family for a committed blob.
 *
 * @param inFile the bytes are one file of {@link BlobFiles} named by digest and generation, not
 *     chunks in the {@code chunks} column family; {@code chunkSize} is then only how much one read
 *     returns
 */
record BlobRecord(
    long size,
    int chunkSize,
    long generation,
    long createdMillis,
    long accessMillis,
    boolean inFile) {
  /** Version 1 (before blob files) had no layout byte: its blobs are all chunks. */
  private static final byte VERSION_1 = 1;

  private static final byte VERSION = 2;
  private static final int LENGTH_1 = 1 + 8 + 4 + 8 + 8 + 8;
  private static final int LENGTH = LENGTH_1 + 1;

  byte[] encode() {
    return ByteBuffer.allocate(LENGTH)
        .put(VERSION)
        .putLong(size)
        .putInt(chunkSize)
        .putLong(generation)
        .putLong(createdMillis)
        .putLong(accessMillis)
        .put(inFile ? (byte) 1 : 0)
        .array();
  }

  static BlobRecord decode(Digest digest, byte[] value) {
    boolean v1 = value.length == LENGTH_1 && value[0] == VERSION_1;
    boolean v2 = value.length == LENGTH && value[0] == VERSION;
    if (!v1 && !v2) {
      throw new CorruptBlobException(digest, "unreadable metadata record");
    }
    ByteBuffer b = ByteBuffer.wrap(value, 1, value.length - 1);
    return new BlobRecord(
        b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.getLong(), v2 && b.get() == 1);
  }

  BlobRecord withAccess(long millis) {
    return new BlobRecord(size, chunkSize, generation, createdMillis, millis, inFile);
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
