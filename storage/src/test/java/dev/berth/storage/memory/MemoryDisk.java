package dev.berth.storage.memory;

import dev.berth.storage.DiskFullException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The space the in-memory stores share: bytes of committed blobs, unfinished writes and manifests,
 * against a capacity a test sets. Running out throws {@link DiskFullException} exactly where the
 * RocksDB stores would, so the full-disk paths of the services above can be unit-tested.
 */
public final class MemoryDisk {
  private final AtomicLong used = new AtomicLong();
  private volatile long capacity;

  public MemoryDisk(long capacity) {
    this.capacity = capacity;
  }

  /** Bytes held now. */
  public long used() {
    return used.get();
  }

  /** Sets the capacity; below {@link #used()} the next write fails as on a full disk. */
  public void setCapacity(long capacity) {
    this.capacity = capacity;
  }

  /** Leaves no room for any further byte, as a disk that just filled up. */
  public void fill() {
    capacity = used.get();
  }

  /** Room again, as after an operator freed space. */
  public void free() {
    capacity = Long.MAX_VALUE;
  }

  /** Whether a write of one byte would fail now. */
  public boolean isFull() {
    return used.get() >= capacity;
  }

  /**
   * Takes {@code bytes} of space.
   *
   * @throws DiskFullException naming {@code what} when they do not fit
   */
  void take(long bytes, String what) {
    long now;
    do {
      now = used.get();
      if (bytes > 0 && now + bytes > capacity) {
        throw new DiskFullException(
            what + ": disk full (" + now + " of " + capacity + " bytes used)", null);
      }
    } while (!used.compareAndSet(now, now + bytes));
  }

  void give(long bytes) {
    used.addAndGet(-bytes);
  }
}
