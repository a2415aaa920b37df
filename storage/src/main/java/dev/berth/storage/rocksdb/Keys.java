package dev.berth.storage.rocksdb;

import dev.berth.storage.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Binary keys of the column families. Bytewise order keeps one blob's chunks contiguous. */
final class Keys {
  private Keys() {}

  /** The longest chunk key: a sha512 digest key (1 + 64 bytes), generation and index. */
  static final int CHUNK_KEY_MAX = 1 + 64 + 12;

  /** {@code digest ‖ generation ‖ index}: one chunk of one writer's bytes. */
  static byte[] chunk(Digest digest, long generation, int index) {
    return ByteBuffer.allocate(digest.keyLength() + 12)
        .put(digest.toKeyBytes())
        .putLong(generation)
        .putInt(index)
        .array();
  }

  /** First key of a generation's chunks (inclusive). */
  static byte[] chunkRangeStart(Digest digest, long generation) {
    return chunk(digest, generation, 0);
  }

  /** A key after every chunk of a generation (exclusive end for {@code deleteRange}). */
  static byte[] chunkRangeEnd(Digest digest, long generation) {
    return ByteBuffer.allocate(digest.keyLength() + 13)
        .put(digest.toKeyBytes())
        .putLong(generation)
        .put(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff})
        .array();
  }

  /** {@code digest ‖ generation}: an unfinished write. */
  static byte[] upload(Digest digest, long generation) {
    return ByteBuffer.allocate(digest.keyLength() + 8)
        .put(digest.toKeyBytes())
        .putLong(generation)
        .array();
  }

  static Digest uploadDigest(byte[] key) {
    return Digest.fromKeyBytes(key, 0);
  }

  static long uploadGeneration(byte[] key) {
    return ByteBuffer.wrap(key, key.length - 8, 8).getLong();
  }

  /** {@code upstream \0 repository \0 tag}; the NUL cannot occur in validated names. */
  static byte[] tag(String upstream, String repository, String tag) {
    return (upstream + '\0' + repository + '\0' + tag).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] tagPrefix(String upstream, String repository) {
    return (upstream + '\0' + repository + '\0').getBytes(StandardCharsets.UTF_8);
  }
}
