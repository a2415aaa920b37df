package dev.berth.storage.memory;

import java.util.Comparator;

/** A three-part key ordered part by part, as the RocksDB stores order their prefixed keys. */
record Key(String first, String second, String third) implements Comparable<Key> {
  private static final Comparator<Key> ORDER =
      Comparator.comparing(Key::first).thenComparing(Key::second).thenComparing(Key::third);

  @Override
  public int compareTo(Key o) {
    return ORDER.compare(this, o);
  }
}
