package dev.berth.storage;

/** The blob was deleted while a reader was streaming it. */
public final class BlobGoneException extends StorageException {
  private static final long serialVersionUID = 1L;

  public BlobGoneException(Digest digest) {
    super("blob " + digest + " was deleted while being read");
  }
}
