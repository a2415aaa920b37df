package dev.berth.storage.memory;

import dev.berth.storage.Digest;
import dev.berth.storage.Link;
import dev.berth.storage.LinkStore;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Consumer;

/** {@link LinkStore} in the heap. */
public final class MemoryLinkStore implements LinkStore {
  private final ConcurrentSkipListSet<Key> links = new ConcurrentSkipListSet<>();

  private static Key key(String upstream, String repository, Digest digest) {
    return new Key(upstream, repository, digest.toString());
  }

  @Override
  public void link(String upstream, String repository, Digest digest) {
    links.add(key(upstream, repository, digest));
  }

  @Override
  public boolean isLinked(String upstream, String repository, Digest digest) {
    return links.contains(key(upstream, repository, digest));
  }

  @Override
  public boolean isLinkedOnUpstream(String upstream, Digest digest) {
    String d = digest.toString();
    return links.stream().anyMatch(k -> k.first().equals(upstream) && k.third().equals(d));
  }

  @Override
  public void unlink(String upstream, String repository, Digest digest) {
    links.remove(key(upstream, repository, digest));
  }

  @Override
  public void forEach(Consumer<Link> action) {
    links.forEach(k -> action.accept(new Link(k.first(), k.second(), Digest.parse(k.third()))));
  }
}
