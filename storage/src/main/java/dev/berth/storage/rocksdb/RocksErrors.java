package dev.berth.storage.rocksdb;

import dev.berth.storage.DiskFullException;
import dev.berth.storage.StorageException;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Turns RocksDB's status codes into the typed {@link StorageException}s callers act on. */
final class RocksErrors {
  private RocksErrors() {}

  static StorageException translate(String action, RocksDBException e) {
    if (isNoSpace(e)) {
      return new DiskFullException(action + ": disk full or read-only (" + e.getMessage() + ")", e);
    }
    return new StorageException(action + ": " + e.getMessage(), e);
  }

  static boolean isNoSpace(RocksDBException e) {
    Status status = e.getStatus();
    String message = String.valueOf(e.getMessage());
    boolean ioError = status == null || status.getCode() == Status.Code.IOError;
    return ioError
        && (isNoSpace(message)
            || (status != null && status.getSubCode() == Status.SubCode.NoSpace));
  }

  /**
   * Whether an I/O error's message says the disk is full or read-only: RocksDB's and the JDK's both
   * carry the operating system's text ({@code ENOSPC}, {@code EROFS}).
   */
  static boolean isNoSpace(String message) {
    return message.contains("No space left") || message.contains("Read-only file system");
  }
}
