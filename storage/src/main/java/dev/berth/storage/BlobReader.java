package dev.berth.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * Streams a blob, or a range of it, chunk by chunk, so that memory stays bounded whatever the blob
 * size. Not thread-safe: one consumer calls {@link #read} at a time; {@link #readable} may be
 * awaited from any thread.
 */
public interface BlobReader extends AutoCloseable {

  /**
   * The resolved range. For a reader following a write of unknown size, this completes once the
   * size is known; see {@link #readable()}.
   */
  BlobRange.Resolved range();

  /** Absolute offset of the next byte {@link #read} returns. */
  long position();

  /** Whether every byte of the range was returned. */
  boolean isDone();

  /**
   * Completes when {@link #read} can return without waiting for a writer: bytes are stored, the
   * range is exhausted, or the write failed (then {@code read} throws). Already complete for
   * committed blobs. Completion callbacks may run on the writer's thread: keep them short.
   */
  CompletionStage<Void> readable();

  /**
   * Returns the next bytes of the range, at most one chunk, or an empty buffer when the range is
   * exhausted. Blocks on disk I/O and, for a live write, until bytes are available.
   *
   * @throws WriteAbortedException when the followed write failed
   * @throws BlobGoneException when the blob was deleted meanwhile
   * @throws CorruptBlobException when a stored chunk is missing or damaged
   */
  ByteBuffer read();

  @Override
  void close();
}
