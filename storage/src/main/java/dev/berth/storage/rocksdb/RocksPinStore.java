package dev.berth.storage.rocksdb;

import dev.berth.storage.Pin;
import dev.berth.storage.PinStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/** Pins under {@code upstream \0 repository \0 reference}, with empty values. */
final class RocksPinStore implements PinStore {
  private static final byte[] EMPTY = new byte[0];

  private final RocksDB db;
  private final ColumnFamilyHandle pins;
  private final WriteOptions writes;

  RocksPinStore(RocksDB db, ColumnFamilyHandle pins, WriteOptions writes) {
    this.db = db;
    this.pins = pins;
    this.writes = writes;
  }

  private static byte[] key(Pin pin) {
    return (pin.upstream() + '\0' + pin.repository() + '\0' + pin.reference())
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void pin(Pin pin) {
    try {
      db.put(pins, writes, key(pin), EMPTY);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("pinning " + pin, e);
    }
  }

  @Override
  public boolean unpin(Pin pin) {
    try {
      byte[] key = key(pin);
      if (db.get(pins, key) == null) {
        return false;
      }
      db.delete(pins, writes, key);
      return true;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("unpinning " + pin, e);
    }
  }

  @Override
  public List<Pin> pins() {
    List<Pin> result = new ArrayList<>();
    try (RocksIterator it = db.newIterator(pins)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        String[] parts = new String(it.key(), StandardCharsets.UTF_8).split("\0", 3);
        if (parts.length == 3) {
          result.add(new Pin(parts[0], parts[1], parts[2]));
        }
      }
    }
    return result;
  }
}
