package dev.berth.storage;

/**
 * Bytes written for a digest did not hash to it, or their count differs from the declared size.
 * Nothing was committed.
 */
public final class DigestMismatchException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final Digest expected;

  public DigestMismatchException(Digest expected, String detail) {
    super("content does not match " + expected + ": " + detail);
    this.expected = expected;
  }

  public Digest expected() {
    return expected;
  }
}
