package dev.berth.storage;

/** A byte range that selects no byte of the blob (HTTP 416). */
public final class RangeNotSatisfiableException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final long blobSize;

  public RangeNotSatisfiableException(BlobRange range, long blobSize) {
    super("range " + range + " is outside a blob of " + blobSize + " bytes");
    this.blobSize = blobSize;
  }

  /** Size of the blob, for {@code Content-Range: bytes * /size}. */
  public long blobSize() {
    return blobSize;
  }
}
