package dev.berth.storage;

import org.jspecify.annotations.Nullable;

/**
 * A storage operation failed. Subclasses name the causes callers treat differently: {@link
 * DigestMismatchException}, {@link RangeNotSatisfiableException}, {@link DiskFullException}, {@link
 * CorruptBlobException}, {@link BlobGoneException}, {@link WriteAbortedException}. Anything else is
 * an unexpected I/O failure of the store.
 */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
