package dev.berth.storage;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Content-addressed blob storage: bytes become visible under their digest only after they were
 * hashed and matched it.
 *
 * <p>Every method may block on disk I/O: never call one from an event loop. Implementations are
 * thread-safe; their lifecycle belongs to whoever opened the store. Streams returned by {@link
 * #openReader} and {@link #beginWrite} belong to one caller at a time.
 */
public interface BlobStore {

  /**
   * Metadata of a committed blob, or empty when the digest is not stored. Does not count as an
   * access.
   */
  Optional<BlobInfo> stat(Digest digest);

  /**
   * Opens a reader over a committed blob, streaming chunk by chunk. Counts as an access.
   *
   * @return empty when the digest is not stored
   * @throws RangeNotSatisfiableException when {@code range} selects no byte of the blob
   */
  Optional<BlobReader> openReader(Digest digest, BlobRange range);

  /**
   * Starts writing a blob expected to hash to {@code digest}. Several writers may run for one
   * digest at once: the first valid commit wins, the others end without garbage.
   *
   * @param expectedSize the declared length, or {@code -1} when unknown; a declared length is
   *     checked at commit and lets followers resolve ranges before the end is reached
   */
  BlobWriter beginWrite(Digest digest, long expectedSize);

  /**
   * Removes a committed blob and its chunks.
   *
   * @return whether a blob was removed
   */
  boolean delete(Digest digest);

  /** What {@link #evict} did. */
  enum Eviction {
    EVICTED,
    /** A reader has the blob open: it stays, and may be evicted once the reader is done. */
    IN_USE,
    ABSENT
  }

  /**
   * Removes a committed blob unless a reader has it open; a reader that arrives meanwhile finds it
   * absent. This is how size-capped eviction and purges remove blobs: never under a reader.
   */
  Eviction evict(Digest digest);

  /** Readers that have {@code digest} open now (committed or following a write). */
  int readers(Digest digest);

  /** Readers open now over all blobs; zero once every reader has been closed. */
  int openReaders();

  /**
   * Calls {@code action} for every committed blob, in digest order. The action must not call back
   * into the store's write methods.
   */
  void forEach(Consumer<BlobInfo> action);

  /** Bytes of all committed blobs. Maintained incrementally; cheap. */
  long totalBytes();

  /**
   * Bytes that writes not yet committed or aborted have stored so far: they occupy the disk before
   * they are a blob, so a size cap must count them. Maintained incrementally; cheap. Zero after
   * opening a store: a crash's unfinished writes are reclaimed then.
   */
  long writingBytes();

  /** Number of committed blobs. Maintained incrementally; cheap. */
  long count();

  /** Writes batched access times to disk now (they are also flushed periodically and on close). */
  void flushAccessTimes();

  /**
   * Brings this process's view of the store up to date with what other processes changed in it (a
   * bucket other replicas share): what they stored counts, what they removed is gone. Cheap when
   * nothing is due; blocking, so call it off the event loop. A store only this process writes has
   * nothing to do.
   */
  default void refresh() {}
}
