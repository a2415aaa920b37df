package dev.berth.storage;

/**
 * A requested byte range of a blob, before the blob's size is known: the three forms of an HTTP
 * {@code bytes=} range (RFC 9110 §14.1.2) plus the whole blob. {@link #resolve} turns it into
 * absolute offsets once the size is known.
 */
public sealed interface BlobRange {

  /** The whole blob. */
  static BlobRange all() {
    return All.INSTANCE;
  }

  /** {@code bytes=first-last}, both inclusive; {@code last} beyond the end is clipped. */
  static BlobRange closed(long first, long last) {
    if (first < 0 || last < first) {
      throw new IllegalArgumentException("bad range " + first + "-" + last);
    }
    return new Closed(first, last);
  }

  /** {@code bytes=first-}: from {@code first} to the end. */
  static BlobRange from(long first) {
    if (first < 0) {
      throw new IllegalArgumentException("bad range start " + first);
    }
    return new From(first);
  }

  /** {@code bytes=-length}: the last {@code length} bytes. */
  static BlobRange suffix(long length) {
    if (length <= 0) {
      throw new IllegalArgumentException("bad suffix length " + length);
    }
    return new Suffix(length);
  }

  /**
   * Absolute offsets of this range in a blob of {@code size} bytes.
   *
   * @throws RangeNotSatisfiableException when the range selects no byte of the blob
   */
  Resolved resolve(long size);

  /** Whether this is the whole blob (no {@code Range} was asked for). */
  default boolean isAll() {
    return this instanceof All;
  }

  /** {@code [start, endExclusive)} within a blob of {@code blobSize} bytes. */
  record Resolved(long start, long endExclusive, long blobSize) {
    public long length() {
      return endExclusive - start;
    }

    /**
     * How far a reader of this range may go while {@code stored} bytes of a write are stored: all
     * of them once the digest is verified, else all but the range's last byte, so that a client
     * never sees a clean end of bytes that turn out wrong (the failure reaches it first).
     */
    public long readableEnd(long stored, boolean verified) {
      return Math.min(stored, verified ? endExclusive : endExclusive - 1);
    }
  }

  /** The whole blob. */
  enum All implements BlobRange {
    INSTANCE;

    @Override
    public Resolved resolve(long size) {
      return new Resolved(0, size, size);
    }
  }

  /** {@code first-last}. */
  record Closed(long first, long last) implements BlobRange {
    @Override
    public Resolved resolve(long size) {
      if (first >= size) {
        throw new RangeNotSatisfiableException(this, size);
      }
      return new Resolved(first, Math.min(last + 1, size), size);
    }

    @Override
    public String toString() {
      return "bytes=" + first + "-" + last;
    }
  }

  /** {@code first-}. */
  record From(long first) implements BlobRange {
    @Override
    public Resolved resolve(long size) {
      if (first >= size) {
        throw new RangeNotSatisfiableException(this, size);
      }
      return new Resolved(first, size, size);
    }

    @Override
    public String toString() {
      return "bytes=" + first + "-";
    }
  }

  /** {@code -length}. */
  record Suffix(long length) implements BlobRange {
    @Override
    public Resolved resolve(long size) {
      if (size == 0) {
        throw new RangeNotSatisfiableException(this, size);
      }
      return new Resolved(Math.max(0, size - length), size, size);
    }

    @Override
    public String toString() {
      return "bytes=-" + length;
    }
  }
}
