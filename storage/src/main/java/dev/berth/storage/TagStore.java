package dev.berth.storage;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Tag resolutions keyed by (upstream, repository, tag). The store does not validate names: callers
 * pass validated values. Blocking; thread-safe.
 */
public interface TagStore {

  void put(String upstream, String repository, String tag, TagResolution resolution);

  Optional<TagResolution> get(String upstream, String repository, String tag);

  boolean delete(String upstream, String repository, String tag);

  /** Tags of one repository with a stored resolution, in lexical order. */
  List<String> tags(String upstream, String repository);

  /** Calls {@code action} for every stored resolution, ordered by upstream, repository and tag. */
  void forEach(Consumer<TaggedManifest> action);
}
