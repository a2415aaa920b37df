package dev.berth.storage;

import java.util.Optional;

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

  Optional<StoredManifest> get(Digest digest);

  boolean delete(Digest digest);

  /** Calls {@code action} for every stored manifest; it must not write to the store. */
  void forEach(java.util.function.Consumer<StoredManifest> action);
}
