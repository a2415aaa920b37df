package dev.berth.storage.rocksdb;

import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import dev.berth.storage.TagResolution;
import dev.berth.storage.TagStore;
import dev.berth.storage.TaggedManifest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/** Tag resolutions. Value: version, resolved-at millis, digest key bytes. */
final class RocksTagStore implements TagStore {
  private static final byte VERSION = 1;

  private final RocksDB db;
  private final ColumnFamilyHandle tags;
  private final WriteOptions writes;

  RocksTagStore(RocksDB db, ColumnFamilyHandle tags, WriteOptions writes) {
    this.db = db;
    this.tags = tags;
    this.writes = writes;
  }

  @Override
  public void put(String upstream, String repository, String tag, TagResolution resolution) {
    byte[] digest = resolution.digest().toKeyBytes();
    byte[] value =
        ByteBuffer.allocate(1 + 8 + digest.length)
            .put(VERSION)
            .putLong(resolution.resolvedAt().toEpochMilli())
            .put(digest)
            .array();
    try {
      db.put(tags, writes, Keys.tag(upstream, repository, tag), value);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("storing tag " + upstream + "/" + repository + ":" + tag, e);
    }
  }

  @Override
  public Optional<TagResolution> get(String upstream, String repository, String tag) {
    try {
      byte[] value = db.get(tags, Keys.tag(upstream, repository, tag));
      return value == null ? Optional.empty() : Optional.of(decode(value));
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading tag " + upstream + "/" + repository + ":" + tag, e);
    }
  }

  @Override
  public boolean delete(String upstream, String repository, String tag) {
    byte[] key = Keys.tag(upstream, repository, tag);
    try {
      if (db.get(tags, key) == null) {
        return false;
      }
      db.delete(tags, writes, key);
      return true;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("deleting tag " + upstream + "/" + repository + ":" + tag, e);
    }
  }

  @Override
  public List<String> tags(String upstream, String repository) {
    byte[] prefix = Keys.tagPrefix(upstream, repository);
    List<String> result = new ArrayList<>();
    try (RocksIterator it = db.newIterator(tags)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (key.length < prefix.length
            || !Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
          break;
        }
        result.add(
            new String(key, prefix.length, key.length - prefix.length, StandardCharsets.UTF_8));
      }
    }
    return result;
  }

  @Override
  public void forEach(Consumer<TaggedManifest> action) {
    try (RocksIterator it = db.newIterator(tags)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        String[] parts = new String(it.key(), StandardCharsets.UTF_8).split("\0", 3);
        if (parts.length == 3) {
          action.accept(new TaggedManifest(parts[0], parts[1], parts[2], decode(it.value())));
        }
      }
    }
  }

  private static TagResolution decode(byte[] value) {
    if (value.length < 10 || value[0] != VERSION) {
      throw new StorageException("unreadable tag record");
    }
    long resolvedAt = ByteBuffer.wrap(value, 1, 8).getLong();
    return new TagResolution(Digest.fromKeyBytes(value, 9), Instant.ofEpochMilli(resolvedAt));
  }
}
