package dev.berth.storage.eviction;

import dev.berth.storage.Digest;

/** What an operator asked to purge from the cache. */
public sealed interface PurgeTarget {

  /** One blob or manifest, in every repository. */
  record Content(Digest digest) implements PurgeTarget {}

  /** A tag resolution and what only it kept reachable. */
  record Tag(String upstream, String repository, String tag) implements PurgeTarget {}

  /** Every tag of a repository and the content only that repository holds. */
  record Repository(String upstream, String repository) implements PurgeTarget {}
}
