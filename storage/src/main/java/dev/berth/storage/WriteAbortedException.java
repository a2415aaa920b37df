package dev.berth.storage;

/**
 * The write a reader was following ended without a committed blob: it was aborted, or its bytes did
 * not match the digest. The reader must not treat what it returned so far as complete.
 */
public final class WriteAbortedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public WriteAbortedException(Digest digest, Throwable cause) {
    super("write of " + digest + " did not complete: " + cause.getMessage(), cause);
  }
}
