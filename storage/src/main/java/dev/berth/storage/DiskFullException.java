package dev.berth.storage;

import org.jspecify.annotations.Nullable;

/** The store could not write because its disk is full or read-only. Nothing partial is visible. */
public final class DiskFullException extends StorageException {
  private static final long serialVersionUID = 1L;

  public DiskFullException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
