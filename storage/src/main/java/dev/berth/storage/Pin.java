package dev.berth.storage;

import java.util.Objects;

/**
 * An image kept out of eviction: a tag or a digest of one repository at one upstream. A pinned tag
 * keeps its resolution and the manifest it points to; a pinned manifest keeps its children (the
 * platforms that are stored) and all their blobs.
 *
 * @param upstream the upstream's configured name
 * @param repository the repository path at that upstream
 * @param reference a tag, or a digest in its {@code algorithm:hex} form
 */
public record Pin(String upstream, String repository, String reference) {
  public Pin {
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(reference, "reference");
  }

  /** {@code upstream/repository:tag} or {@code upstream/repository@digest}. */
  @Override
  public String toString() {
    return upstream + "/" + repository + (reference.indexOf(':') >= 0 ? "@" : ":") + reference;
  }
}
