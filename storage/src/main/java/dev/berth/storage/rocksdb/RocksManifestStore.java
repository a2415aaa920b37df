package dev.berth.storage.rocksdb;

import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.ManifestInfo;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.eviction.AccessRecorder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Manifests under their digest. Value: version, stored-at millis, media type length and bytes, then
 * the manifest bytes exactly as received. Last access times live in their own column family, so
 * that recording an access never rewrites a manifest.
 *
 * <p>Puts, deletes and access flushes take one lock: the totals stay exact and a flush never
 * resurrects the access time of a manifest deleted meanwhile.
 */
final class RocksManifestStore implements ManifestStore {
  private static final byte VERSION = 1;
  private static final int HEADER = 1 + 8 + 2;

  private final RocksDB db;
  private final ColumnFamilyHandle manifests;
  private final ColumnFamilyHandle accessTimes;
  private final WriteOptions writes;
  private final Clock clock;
  private final AccessRecorder accesses;
  private final ReentrantLock metaLock = new ReentrantLock();
  private final AtomicLong totalBytes = new AtomicLong();
  private final AtomicLong count = new AtomicLong();

  RocksManifestStore(
      RocksDB db,
      ColumnFamilyHandle manifests,
      ColumnFamilyHandle accessTimes,
      WriteOptions writes,
      Clock clock) {
    this.db = db;
    this.manifests = manifests;
    this.accessTimes = accessTimes;
    this.writes = writes;
    this.clock = clock;
    this.accesses = new AccessRecorder(clock);
  }

  void loadTotals() {
    long bytes = 0;
    long n = 0;
    try (RocksIterator it = db.newIterator(manifests)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        bytes += manifestLength(it.value());
        n++;
      }
    }
    totalBytes.set(bytes);
    count.set(n);
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
    byte[] key = digest.toKeyBytes();
    metaLock.lock();
    try {
      byte[] existing = db.get(manifests, key);
      db.put(manifests, writes, key, encode(manifest));
      if (existing == null) {
        totalBytes.addAndGet(bytes.length);
        count.incrementAndGet();
      } else {
        totalBytes.addAndGet(bytes.length - manifestLength(existing));
      }
    } catch (RocksDBException e) {
      throw RocksErrors.translate("storing manifest " + digest, e);
    } finally {
      metaLock.unlock();
    }
    return manifest;
  }

  @Override
  public Optional<StoredManifest> get(Digest digest) {
    try {
      byte[] value = db.get(manifests, digest.toKeyBytes());
      if (value == null) {
        return Optional.empty();
      }
      accesses.record(digest);
      return Optional.of(decode(digest, value));
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading manifest " + digest, e);
    }
  }

  @Override
  public void touch(Digest digest) {
    accesses.record(digest);
  }

  @Override
  public boolean delete(Digest digest) {
    byte[] key = digest.toKeyBytes();
    metaLock.lock();
    try (WriteBatch batch = new WriteBatch()) {
      byte[] existing = db.get(manifests, key);
      if (existing == null) {
        return false;
      }
      batch.delete(manifests, key);
      batch.delete(accessTimes, key);
      db.write(writes, batch);
      totalBytes.addAndGet(-manifestLength(existing));
      count.decrementAndGet();
      return true;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("deleting manifest " + digest, e);
    } finally {
      metaLock.unlock();
    }
  }

  @Override
  public void forEach(Consumer<StoredManifest> action) {
    try (RocksIterator it = db.newIterator(manifests)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest digest = Digest.fromKeyBytes(it.key(), 0);
        action.accept(decode(digest, it.value()));
      }
    }
  }

  @Override
  public void forEachInfo(Consumer<ManifestInfo> action) {
    try (RocksIterator it = db.newIterator(manifests)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        Digest digest = Digest.fromKeyBytes(key, 0);
        byte[] value = it.value();
        ByteBuffer b = ByteBuffer.wrap(value);
        if (value.length < HEADER || b.get() != VERSION) {
          throw new CorruptBlobException(digest, "unreadable manifest record");
        }
        long stored = b.getLong();
        int typeLength = Short.toUnsignedInt(b.getShort());
        String type = new String(value, HEADER, typeLength, StandardCharsets.UTF_8);
        byte[] access = db.get(accessTimes, key);
        long lastAccess = access == null ? stored : ByteBuffer.wrap(access).getLong();
        action.accept(
            new ManifestInfo(
                digest,
                type,
                value.length - HEADER - typeLength,
                Instant.ofEpochMilli(stored),
                Instant.ofEpochMilli(lastAccess)));
      }
    } catch (RocksDBException e) {
      throw RocksErrors.translate("listing manifests", e);
    }
  }

  @Override
  public long totalBytes() {
    return totalBytes.get();
  }

  @Override
  public long count() {
    return count.get();
  }

  @Override
  public void flushAccessTimes() {
    AccessTimeFlush.flush(
        accesses,
        db,
        writes,
        metaLock,
        "writing manifest access times",
        (batch, digest, millis) -> {
          byte[] key = digest.toKeyBytes();
          if (db.get(manifests, key) != null) {
            batch.put(accessTimes, key, ByteBuffer.allocate(8).putLong(millis).array());
          }
        });
  }

  private static int manifestLength(byte[] value) {
    int typeLength = Short.toUnsignedInt(ByteBuffer.wrap(value, 9, 2).getShort());
    return value.length - HEADER - typeLength;
  }

  private static byte[] encode(StoredManifest m) {
    byte[] type = m.mediaType().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(HEADER + type.length + m.bytes().length)
        .put(VERSION)
        .putLong(m.stored().toEpochMilli())
        .putShort((short) type.length)
        .put(type)
        .put(m.bytes())
        .array();
  }

  private static StoredManifest decode(Digest digest, byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    if (value.length < HEADER || b.get() != VERSION) {
      throw new CorruptBlobException(digest, "unreadable manifest record");
    }
    long stored = b.getLong();
    int typeLength = Short.toUnsignedInt(b.getShort());
    String type = new String(value, HEADER, typeLength, StandardCharsets.UTF_8);
    byte[] bytes = Arrays.copyOfRange(value, HEADER + typeLength, value.length);
    return new StoredManifest(digest, type, bytes, Instant.ofEpochMilli(stored));
  }
}
