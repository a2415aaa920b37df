package dev.berth.storage.rocksdb;

import dev.berth.storage.Digest;
import dev.berth.storage.Link;
import dev.berth.storage.LinkStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
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
  public boolean isLinkedOnUpstream(String upstream, Digest digest) {
    byte[] prefix = (upstream + '\0').getBytes(StandardCharsets.UTF_8);
    byte[] suffix = digest.toKeyBytes();
    try (RocksIterator it = db.newIterator(links)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (!startsWith(key, prefix)) {
          return false;
        }
        if (endsWith(key, suffix) && key.length > prefix.length + suffix.length) {
          // The repository part must end right before the digest bytes.
          if (key[key.length - suffix.length - 1] == 0) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    if (key.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (key[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean endsWith(byte[] key, byte[] suffix) {
    int offset = key.length - suffix.length;
    if (offset < 0) {
      return false;
    }
    for (int i = 0; i < suffix.length; i++) {
      if (key[offset + i] != suffix[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void unlink(String upstream, String repository, Digest digest) {
    try {
      db.delete(links, writes, key(upstream, repository, digest));
    } catch (RocksDBException e) {
      throw RocksErrors.translate(
          "unlinking " + digest + " from " + upstream + "/" + repository, e);
    }
  }

  @Override
  public void forEach(Consumer<Link> action) {
    try (RocksIterator it = db.newIterator(links)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        int first = indexOf(key, 0);
        int second = first < 0 ? -1 : indexOf(key, first + 1);
        if (second < 0) {
          continue; // not a link key: nothing else is stored here
        }
        action.accept(
            new Link(
                new String(key, 0, first, StandardCharsets.UTF_8),
                new String(key, first + 1, second - first - 1, StandardCharsets.UTF_8),
                Digest.fromKeyBytes(key, second + 1)));
      }
    }
  }

  private static int indexOf(byte[] key, int from) {
    for (int i = from; i < key.length; i++) {
      if (key[i] == 0) {
        return i;
      }
    }
    return -1;
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
