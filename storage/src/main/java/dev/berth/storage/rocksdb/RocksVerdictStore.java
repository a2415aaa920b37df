package dev.berth.storage.rocksdb;

import dev.berth.storage.AccessVerdict;
import dev.berth.storage.StorageException;
import dev.berth.storage.VerdictStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * Verdicts under {@code upstream \0 repository \0 subject}; value: version, allowed flag,
 * checked-at millis. The subject key lives in the same column family under a key that starts with
 * NUL, which no validated upstream name does.
 */
final class RocksVerdictStore implements VerdictStore {
  private static final byte VERSION = 1;
  private static final byte[] SUBJECT_KEY = "\0subject-key".getBytes(StandardCharsets.UTF_8);
  private static final int SUBJECT_KEY_BYTES = 32;

  private final RocksDB db;
  private final ColumnFamilyHandle verdicts;
  private final WriteOptions writes;
  private final WriteOptions syncWrites;
  private volatile byte @org.jspecify.annotations.Nullable [] subjectKey;

  RocksVerdictStore(
      RocksDB db, ColumnFamilyHandle verdicts, WriteOptions writes, WriteOptions syncWrites) {
    this.db = db;
    this.verdicts = verdicts;
    this.writes = writes;
    this.syncWrites = syncWrites;
  }

  private static byte[] key(String upstream, String repository, String subject) {
    return (upstream + '\0' + repository + '\0' + subject).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void put(String upstream, String repository, String subject, AccessVerdict verdict) {
    byte[] value =
        ByteBuffer.allocate(1 + 1 + 8)
            .put(VERSION)
            .put((byte) (verdict.allowed() ? 1 : 0))
            .putLong(verdict.checkedAt().toEpochMilli())
            .array();
    try {
      db.put(verdicts, writes, key(upstream, repository, subject), value);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("storing access verdict for " + upstream + "/" + repository, e);
    }
  }

  @Override
  public Optional<AccessVerdict> get(String upstream, String repository, String subject) {
    byte[] value;
    try {
      value = db.get(verdicts, key(upstream, repository, subject));
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading access verdict for " + upstream + "/" + repository, e);
    }
    return value == null ? Optional.empty() : decode(value);
  }

  /** A stored value; empty when unreadable (a newer format): as if never checked. */
  private static Optional<AccessVerdict> decode(byte[] value) {
    if (value.length != 10 || value[0] != VERSION) {
      return Optional.empty();
    }
    return Optional.of(
        new AccessVerdict(
            value[1] == 1, Instant.ofEpochMilli(ByteBuffer.wrap(value, 2, 8).getLong())));
  }

  @Override
  public int deleteCheckedBefore(Instant cutoff) {
    int removed = 0;
    try (RocksIterator it = db.newIterator(verdicts)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (key.length > 0 && key[0] == 0) {
          continue; // the subject key
        }
        Optional<AccessVerdict> verdict = decode(it.value());
        if (verdict.isEmpty() || verdict.get().checkedAt().isBefore(cutoff)) {
          db.delete(verdicts, writes, key);
          removed++;
        }
      }
    } catch (RocksDBException e) {
      throw RocksErrors.translate("deleting old access verdicts", e);
    }
    return removed;
  }

  @Override
  public synchronized byte[] subjectKey() {
    byte[] known = subjectKey;
    if (known != null) {
      return known.clone();
    }
    try {
      byte[] stored = db.get(verdicts, SUBJECT_KEY);
      if (stored == null || stored.length != SUBJECT_KEY_BYTES) {
        stored = new byte[SUBJECT_KEY_BYTES];
        new SecureRandom().nextBytes(stored);
        db.put(verdicts, syncWrites, SUBJECT_KEY, stored);
      }
      subjectKey = stored;
      return stored.clone();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading the access verdict key", e);
    } catch (RuntimeException e) {
      throw new StorageException("cannot create the access verdict key: " + e, e);
    }
  }
}
