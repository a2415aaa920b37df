package dev.berth.storage.rocksdb;

import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.StoredManifest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * Manifests under their digest. Value: version, stored-at millis, media type length and bytes, then
 * the manifest bytes exactly as received.
 */
final class RocksManifestStore implements ManifestStore {
  private static final byte VERSION = 1;

  private final RocksDB db;
  private final ColumnFamilyHandle manifests;
  private final WriteOptions writes;
  private final Clock clock;

  RocksManifestStore(RocksDB db, ColumnFamilyHandle manifests, WriteOptions writes, Clock clock) {
    this.db = db;
    this.manifests = manifests;
    this.writes = writes;
    this.clock = clock;
  }

  @Override
  public StoredManifest put(Digest digest, String mediaType, byte[] bytes) {
    Digest actual = digest.algorithm() == Digest.Algorithm.SHA256 ? Digest.sha256Of(bytes) : null;
    if (actual == null) {
      var verifier = digest.newVerifier();
      verifier.update(bytes, 0, bytes.length);
      actual = verifier.finish();
    }
    if (!actual.equals(digest)) {
      throw new DigestMismatchException(digest, "manifest bytes hash to " + actual);
    }
    StoredManifest manifest = new StoredManifest(digest, mediaType, bytes, clock.instant());
    try {
      db.put(manifests, writes, digest.toKeyBytes(), encode(manifest));
    } catch (RocksDBException e) {
      throw RocksErrors.translate("storing manifest " + digest, e);
    }
    return manifest;
  }

  @Override
  public Optional<StoredManifest> get(Digest digest) {
    try {
      byte[] value = db.get(manifests, digest.toKeyBytes());
      return value == null ? Optional.empty() : Optional.of(decode(digest, value));
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading manifest " + digest, e);
    }
  }

  @Override
  public boolean delete(Digest digest) {
    try {
      byte[] key = digest.toKeyBytes();
      if (db.get(manifests, key) == null) {
        return false;
      }
      db.delete(manifests, writes, key);
      return true;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("deleting manifest " + digest, e);
    }
  }

  @Override
  public void forEach(java.util.function.Consumer<StoredManifest> action) {
    try (org.rocksdb.RocksIterator it = db.newIterator(manifests)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest digest = Digest.fromKeyBytes(it.key(), 0);
        action.accept(decode(digest, it.value()));
      }
    }
  }

  private static byte[] encode(StoredManifest m) {
    byte[] type = m.mediaType().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 8 + 2 + type.length + m.bytes().length)
        .put(VERSION)
        .putLong(m.stored().toEpochMilli())
        .putShort((short) type.length)
        .put(type)
        .put(m.bytes())
        .array();
  }

  private static StoredManifest decode(Digest digest, byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    if (value.length < 11 || b.get() != VERSION) {
      throw new CorruptBlobException(digest, "unreadable manifest record");
    }
    long stored = b.getLong();
    int typeLength = Short.toUnsignedInt(b.getShort());
    String type = new String(value, 11, typeLength, StandardCharsets.UTF_8);
    byte[] bytes = Arrays.copyOfRange(value, 11 + typeLength, value.length);
    return new StoredManifest(digest, type, bytes, Instant.ofEpochMilli(stored));
  }
}
