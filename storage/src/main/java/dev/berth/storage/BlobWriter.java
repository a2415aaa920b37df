package dev.berth.storage;

import java.nio.ByteBuffer;

/**
 * One in-progress blob write. Bytes arrive in pieces of any size through {@link #append}; they are
 * hashed as they arrive and stored as fixed-size chunks. {@link #commit} makes the blob visible
 * only when the size and digest match; {@link #abort} (or any failure) removes every stored chunk.
 *
 * <p>{@code append}, {@code commit} and {@code abort} are called by one producer thread at a time
 * and may block on disk I/O. {@link #follow} may be called from any thread, any number of times.
 */
public interface BlobWriter extends AutoCloseable {

  /** The digest the bytes must hash to. */
  Digest digest();

  /** Bytes appended so far. */
  long written();

  /**
   * Hashes and stores the remaining bytes of {@code bytes}. The buffer is fully consumed before
   * this returns and may be reused by the caller.
   *
   * @throws DiskFullException when the disk is full; the write is aborted
   * @throws IllegalStateException after commit or abort
   */
  void append(ByteBuffer bytes);

  /**
   * Verifies size and digest of everything appended, without publishing: once it returns, the bytes
   * are known to be the blob's and {@link #commit} only makes them visible (a live download lets
   * its clients take their last byte here, before the slower publish). Idempotent.
   *
   * @throws DigestMismatchException when the bytes do not match; the write is aborted
   */
  void verify();

  /**
   * Verifies size and digest (unless {@link #verify} did), then publishes the blob atomically. When
   * another writer committed the same digest first, this writer's chunks are dropped and the
   * existing blob is returned.
   *
   * @throws DigestMismatchException when the bytes do not match; the write is aborted
   */
  BlobInfo commit();

  /** Drops everything written. Idempotent; a no-op after a successful commit. */
  void abort(Throwable reason);

  /**
   * A reader of this blob as it is being written: it returns the bytes already stored, then waits
   * for more, ends when the write commits, and fails with {@link WriteAbortedException} when it is
   * aborted. Ranges are resolved against the expected size (or wait for the commit when unknown).
   */
  BlobReader follow(BlobRange range);

  /** Aborts unless committed: use in try-with-resources so that every failure path cleans up. */
  @Override
  default void close() {
    abort(new IllegalStateException("writer closed before commit"));
  }
}
