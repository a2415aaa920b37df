package dev.berth.storage;

/** Stored bytes are missing or damaged (a chunk absent, or of the wrong length). */
public final class CorruptBlobException extends StorageException {
  private static final long serialVersionUID = 1L;

  public CorruptBlobException(Digest digest, String detail) {
    super("stored blob " + digest + " is corrupt: " + detail);
  }
}
