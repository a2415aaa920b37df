package dev.berth.auth.challenge;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A token scope {@code resourcetype[(class)]:resourcename:action[,action]} (distribution {@code
 * scope.md}). The resource name may itself contain {@code :} ({@code host:port/repo}), so the type
 * is read up to the first {@code :} and the actions after the last one. The deprecated resource
 * class is dropped.
 *
 * @param type e.g. {@code repository}
 * @param name e.g. {@code library/nginx}
 * @param actions e.g. {@code [pull]}, sorted
 */
public record TokenScope(String type, String name, Set<String> actions)
    implements Comparable<TokenScope> {

  public TokenScope {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    actions = Set.copyOf(new TreeSet<>(actions));
  }

  /** {@code repository:<repository>:pull}, the scope every pull needs. */
  public static TokenScope repositoryPull(String repository) {
    return new TokenScope("repository", repository, Set.of("pull"));
  }

  /** Parses one scope; empty when it lacks a type, name or action. */
  public static Optional<TokenScope> tryParse(String s) {
    int first = s.indexOf(':');
    int last = s.lastIndexOf(':');
    if (first <= 0 || last == first || last == s.length() - 1) {
      return Optional.empty();
    }
    String type = s.substring(0, first);
    int paren = type.indexOf('(');
    if (paren > 0) {
      type = type.substring(0, paren);
    }
    String name = s.substring(first + 1, last);
    if (name.isEmpty()) {
      return Optional.empty();
    }
    Set<String> actions = new TreeSet<>();
    for (String a : s.substring(last + 1).split(",", -1)) {
      if (!a.isBlank()) {
        actions.add(a.trim());
      }
    }
    return actions.isEmpty() ? Optional.empty() : Optional.of(new TokenScope(type, name, actions));
  }

  @Override
  public int compareTo(TokenScope o) {
    return toString().compareTo(o.toString());
  }

  /** The wire form, actions sorted: {@code repository:library/nginx:pull}. */
  @Override
  public String toString() {
    return type + ":" + name + ":" + String.join(",", new TreeSet<>(actions));
  }
}
