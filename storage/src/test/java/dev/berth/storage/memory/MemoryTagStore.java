package dev.berth.storage.memory;

import dev.berth.storage.TagResolution;
import dev.berth.storage.TagStore;
import dev.berth.storage.TaggedManifest;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/** {@link TagStore} in the heap, ordered as the RocksDB store lists it. */
public final class MemoryTagStore implements TagStore {
  private final ConcurrentSkipListMap<Key, TagResolution> tags = new ConcurrentSkipListMap<>();

  @Override
  public void put(String upstream, String repository, String tag, TagResolution resolution) {
    tags.put(new Key(upstream, repository, tag), resolution);
  }

  @Override
  public Optional<TagResolution> get(String upstream, String repository, String tag) {
    return Optional.ofNullable(tags.get(new Key(upstream, repository, tag)));
  }

  @Override
  public boolean delete(String upstream, String repository, String tag) {
    return tags.remove(new Key(upstream, repository, tag)) != null;
  }

  @Override
  public List<String> tags(String upstream, String repository) {
    return tags.keySet().stream()
        .filter(k -> k.first().equals(upstream) && k.second().equals(repository))
        .map(Key::third)
        .toList();
  }

  @Override
  public void forEach(Consumer<TaggedManifest> action) {
    tags.forEach((k, r) -> action.accept(new TaggedManifest(k.first(), k.second(), k.third(), r)));
  }
}
