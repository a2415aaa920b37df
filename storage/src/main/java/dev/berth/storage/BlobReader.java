package dev.berth.storage;

import java.nio.ByteBuffer;
import java.util.Optional;
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

  /**
   * The whole blob's size, or -1 while a followed write has not told it yet (or failed before it
   * did; reading then reports why).
   *
   * @throws RangeNotSatisfiableException once the size shows the range is outside the blob
   */
  default long blobSizeIfKnown() {
    try {
      return range().blobSize();
    } catch (IllegalStateException notYetKnown) {
      return -1;
    }
  }

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
   * exhausted, in a fresh heap buffer. Blocks on disk I/O and, for a live write, until bytes are
   * available. The serving path uses {@link #readInto} instead, which neither allocates nor copies
   * into the Java heap.
   *
   * @throws WriteAbortedException when the followed write failed
   * @throws BlobGoneException when the blob was deleted meanwhile
   * @throws CorruptBlobException when a stored chunk is missing or damaged
   */
  default ByteBuffer read() {
    ByteBuffer chunk = ByteBuffer.allocate(chunkSize());
    return readInto(chunk) ? chunk.slice() : ByteBuffer.allocate(0);
  }

  /**
   * Reads the chunk holding the next bytes of the range into {@code chunk} (from position 0; a
   * direct buffer saves a copy) and sets its position and limit around the bytes that belong to the
   * range: at most one chunk. Blocks like {@link #read}.
   *
   * @param chunk capacity at least {@link #chunkSize()}; its content is overwritten
   * @return false, with {@code chunk} untouched, when the range is exhausted
   * @throws WriteAbortedException when the followed write failed
   * @throws BlobGoneException when the blob was deleted meanwhile
   * @throws CorruptBlobException when a stored chunk is missing or damaged
   */
  boolean readInto(ByteBuffer chunk);

  /**
   * The rest of the range as a span of one open file, when the store keeps the blob in a file and
   * every byte of it was verified: a server may then send it with {@code sendfile} (no copy through
   * user space) instead of calling {@link #readInto}. Empty otherwise (chunks, a live write).
   * Checked against the record's size when the reader opened; the channel stays open until {@link
   * #close}, so a blob evicted meanwhile is still sent whole.
   */
  default Optional<FileSpan> remainingAsFile() {
    return Optional.empty();
  }

  /** The size of the stored chunks: the capacity {@link #readInto} needs. */
  int chunkSize();

  @Override
  void close();
}
