package dev.berth.storage;

import java.util.function.Consumer;

/**
 * Which repositories a blob or manifest belongs to, per upstream: content is shared by digest
 * across repositories, but a client may only read it through a repository it was fetched through or
 * that references it. Without this, knowing the digest of someone else's private layer would be
 * enough to read it through any repository name. Blocking; thread-safe.
 */
public interface LinkStore {

  /** Records that {@code digest} belongs to {@code repository} of {@code upstream}. Idempotent. */
  void link(String upstream, String repository, Digest digest);

  boolean isLinked(String upstream, String repository, Digest digest);

  /**
   * Whether {@code digest} belongs to any repository of {@code upstream}, i.e. was fetched (and
   * verified) through that upstream. Only then is that upstream's {@code HEAD} a proof that another
   * of its repositories has it. Scans the upstream's links: call it on cache misses, not hits.
   */
  boolean isLinkedOnUpstream(String upstream, Digest digest);

  /** Forgets one link (purges and eviction: the content is gone). Idempotent. */
  void unlink(String upstream, String repository, Digest digest);

  /** Calls {@code action} for every link, ordered by upstream and repository. */
  void forEach(Consumer<Link> action);
}
