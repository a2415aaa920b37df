package dev.berth.proxy.policy;

import java.util.Objects;

/**
 * A pull policy for the repositories of one upstream that match a glob, e.g. {@code library/*}.
 *
 * @param repositories a non-empty glob over repository paths
 * @param policy the policy for matching repositories
 */
public record RepositoryPolicy(String repositories, PullPolicy policy) {
  public RepositoryPolicy {
    Objects.requireNonNull(repositories, "repositories");
    Objects.requireNonNull(policy, "policy");
    if (repositories.isBlank()) {
      throw new IllegalArgumentException("repositories must not be empty");
    }
  }
}
