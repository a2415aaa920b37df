package dev.berth.proxy.upstream;

import dev.berth.proxy.image.RepositoryName;

/**
 * Where a request goes: the upstream and the repository path as that upstream knows it.
 *
 * @param upstream the configured registry
 * @param repository normalized for the upstream (Docker Hub's {@code library/} added)
 */
public record RoutedRepository(Upstream upstream, RepositoryName repository) {
  @Override
  public String toString() {
    return upstream.name() + "/" + repository;
  }
}
