package dev.berth.storage.rocksdb;

import dev.berth.storage.Digest;
import dev.berth.storage.LinkStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/** Links under {@code upstream \0 repository \0 digest-key-bytes}, with empty values. */
final class RocksLinkStore implements LinkStore {
  private static final byte[] EMPTY = new byte[0];

  private final RocksDB db;
  private final ColumnFamilyHandle links;
  private final WriteOptions writes;

  RocksLinkStore(RocksDB db, ColumnFamilyHandle links, WriteOptions writes) {
    this.db = db;
    this.links = links;
    this.writes = writes;
  }

  private static byte[] key(String upstream, String repository, Digest digest) {
    byte[] prefix = (upstream + '\0' + repository + '\0').getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(prefix.length + digest.keyLength())
        .put(prefix)
        .put(digest.toKeyBytes())
        .array();
  }

  @Override
  public void link(String upstream, String repository, Digest digest) {
    try {
      db.put(links, writes, key(upstream, repository, digest), EMPTY);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("linking " + digest + " to " + upstream + "/" + repository, e);
    }
  }

  @Override
  public boolean isLinked(String upstream, String repository, Digest digest) {
    try {
      return db.get(links, key(upstream, repository, digest)) != null;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading link of " + digest, e);
    }
  }
}
