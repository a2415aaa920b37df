package dev.berth.proxy.policy;

import dev.berth.proxy.image.RepositoryName;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The pull policy of each repository of one upstream: the first {@code policies} glob that matches
 * wins, else the upstream's policy. Globs match the repository path: {@code *} any run of
 * characters within one path component, {@code **} any run across components, {@code ?} one
 * character other than {@code /}. Immutable.
 */
public final class PolicyTable {
  private record Entry(Pattern glob, PullPolicy policy) {}

  private final PullPolicy fallback;
  private final List<Entry> entries;

  public PolicyTable(PullPolicy fallback, List<RepositoryPolicy> overrides) {
    this.fallback = fallback;
    List<Entry> list = new ArrayList<>();
    for (RepositoryPolicy o : overrides) {
      list.add(new Entry(compile(o.repositories()), o.policy()));
    }
    this.entries = List.copyOf(list);
  }

  public PullPolicy policyFor(RepositoryName repository) {
    for (Entry e : entries) {
      if (e.glob.matcher(repository.value()).matches()) {
        return e.policy;
      }
    }
    return fallback;
  }

  /**
   * Policy {@code never}: this repository is served from the cache only, tags and digests alike.
   */
  public boolean isCacheOnly(RepositoryName repository) {
    return policyFor(repository) instanceof PullPolicy.Never;
  }

  static Pattern compile(String glob) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        regex.append(".*");
        i++;
      } else if (c == '*') {
        regex.append("[^/]*");
      } else if (c == '?') {
        regex.append("[^/]");
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
