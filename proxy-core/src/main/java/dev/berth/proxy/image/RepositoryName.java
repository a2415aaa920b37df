package dev.berth.proxy.image;

import java.util.Objects;

/**
 * A repository path as the registry API carries it ({@code library/nginx}, {@code org/app}):
 * lowercase path components separated by {@code /}, each {@code [a-z0-9]+} joined by {@code .},
 * {@code _}, {@code __} or runs of {@code -}; at most 255 characters. No registry host.
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {

  public RepositoryName {
    Objects.requireNonNull(value, "value");
  }

  /**
   * Validates a repository path.
   *
   * @throws InvalidReferenceException naming the input and the broken rule
   */
  public static RepositoryName parse(String path) {
    if (path.isEmpty()) {
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.NAME_EMPTY,
          path,
          "repository name must have at least one component");
    }
    if (path.length() > ReferenceGrammar.MAX_PATH_LENGTH) {
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.NAME_TOO_LONG,
          path,
          "repository name must not be more than "
              + ReferenceGrammar.MAX_PATH_LENGTH
              + " characters");
    }
    if (!ReferenceGrammar.PATH_ONLY.matcher(path).matches()) {
      if (ReferenceGrammar.PATH_ONLY.matcher(path.toLowerCase(java.util.Locale.ROOT)).matches()) {
        throw new InvalidReferenceException(
            InvalidReferenceException.Kind.NAME_CONTAINS_UPPERCASE,
            path,
            "repository name must be lowercase");
      }
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.INVALID_FORMAT,
          path,
          "repository name must be lowercase components [a-z0-9] joined by '.', '_', '__' or '-',"
              + " separated by '/'");
    }
    return new RepositoryName(path);
  }

  /** Components separated by {@code /}. */
  public int componentCount() {
    int n = 1;
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) == '/') {
        n++;
      }
    }
    return n;
  }

  @Override
  public int compareTo(RepositoryName o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
