package dev.berth.proxy.server;

import dev.berth.storage.Storage;
import dev.berth.storage.StorageException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * Lets {@link #close} wait for storage calls in flight. Closing Vert.x does not wait for its worker
 * threads (it only interrupts them), and a RocksDB call racing {@code RocksStorage.close()} would
 * touch freed native memory; so calls hold the read side and closing takes the write side.
 */
final class StorageGate {
  private final Storage storage;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  StorageGate(Storage storage) {
    this.storage = storage;
  }

  /**
   * Runs {@code call} against the open storage, or returns {@code ifClosed} once it is closed.
   * Blocking: call only off the event loop.
   */
  <T> T call(Function<? super Storage, T> call, T ifClosed) {
    lock.readLock().lock();
    try {
      return closed ? ifClosed : call.apply(storage);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Runs {@code call} against the open storage. Blocking: call only off the event loop.
   *
   * @throws StorageException once the storage is closed (berth is shutting down)
   */
  <T> T callOpen(Function<? super Storage, T> call) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new StorageException("storage is closed: berth is shutting down");
      }
      return call.apply(storage);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Waits for calls in flight, then closes the storage. Idempotent. */
  void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        storage.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
