package dev.berth.storage;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Manifests by digest, bytes exactly as received plus their media type. Manifests are small (the
 * registry protocol caps them at a few MiB), so they are read and written whole. Blocking;
 * thread-safe.
 */
public interface ManifestStore {

  /**
   * Stores a manifest after checking that {@code bytes} hash to {@code digest}.
   *
   * @throws DigestMismatchException when they do not; nothing is stored
   */
  StoredManifest put(Digest digest, String mediaType, byte[] bytes);

  /** The manifest, or empty. Counts as an access. */
  Optional<StoredManifest> get(Digest digest);

  /**
   * Notes that a manifest was served without reading it from here (from memory): eviction sees the
   * same access times either way. An in-memory update; written in batches.
   */
  void touch(Digest digest);

  boolean delete(Digest digest);

  /** Calls {@code action} for every stored manifest; it must not write to the store. */
  void forEach(Consumer<StoredManifest> action);

  /** Calls {@code action} with the metadata of every stored manifest, in digest order. */
  void forEachInfo(Consumer<ManifestInfo> action);

  /** Bytes of all stored manifests. Maintained incrementally; cheap. */
  long totalBytes();

  /** Number of stored manifests. Maintained incrementally; cheap. */
  long count();

  /** Writes batched access times now (they are also flushed periodically and on close). */
  void flushAccessTimes();

  /**
   * Brings this process's view of the store up to date with what other processes changed in it (a
   * bucket other replicas share): what they stored counts, what they removed is gone. Cheap when
   * nothing is due; blocking, so call it off the event loop. A store only this process writes has
   * nothing to do.
   */
  default void refresh() {}
}
