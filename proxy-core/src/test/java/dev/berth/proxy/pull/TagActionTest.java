package dev.berth.proxy.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.proxy.image.Reference;
import dev.berth.proxy.image.RepositoryName;
import dev.berth.proxy.policy.PolicyTable;
import dev.berth.proxy.policy.PullPolicy;
import dev.berth.proxy.policy.RepositoryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policy matrix of docs/design.md item 4, with explicit times instead of a running clock. */
class TagActionTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  @ParameterizedTest(name = "{0} tag={1} cachedAgo={2} -> {3}")
  @CsvSource({
    // policy, tag, seconds since cached (-1 = not cached), action
    "always, 1.25, -1, RESOLVE_UPSTREAM",
    "always, 1.25, 5, RESOLVE_UPSTREAM",
    "if-not-present, 1.25, -1, RESOLVE_UPSTREAM",
    "if-not-present, 1.25, 999999, USE_CACHED",
    "never, 1.25, -1, CACHE_ONLY",
    "never, latest, 5, CACHE_ONLY",
    "ttl:10m, 1.25, -1, RESOLVE_UPSTREAM",
    "ttl:10m, 1.25, 599, USE_CACHED",
    "ttl:10m, 1.25, 600, RESOLVE_UPSTREAM",
    "kubernetes, latest, 5, RESOLVE_UPSTREAM",
    "kubernetes, latest, -1, RESOLVE_UPSTREAM",
    "kubernetes, 1.25, 999999, USE_CACHED",
    "kubernetes, 1.25, -1, RESOLVE_UPSTREAM",
    "kubernetes, Latest, 5, USE_CACHED",
  })
  void decide(String policy, String tag, long cachedAgo, TagAction expected) {
    Optional<Instant> resolvedAt =
        cachedAgo < 0 ? Optional.empty() : Optional.of(NOW.minusSeconds(cachedAgo));
    assertEquals(
        expected,
        TagAction.decide(PullPolicy.parse(policy), Reference.Tag.parse(tag), resolvedAt, NOW));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "library/nginx, ttl:10m",
    "library/nginx/extra, never",
    "bitnami/redis, always",
    "team/app, if-not-present",
    "team/sub/app, kubernetes",
  })
  void policyTable_firstMatchingGlobWins(String repository, String policy) {
    PolicyTable table =
        new PolicyTable(
            PullPolicy.KubernetesDefault.INSTANCE,
            List.of(
                new RepositoryPolicy("library/*", PullPolicy.parse("ttl:10m")),
                new RepositoryPolicy("library/**", PullPolicy.Never.INSTANCE),
                new RepositoryPolicy("bitnami/redi?", PullPolicy.Always.INSTANCE),
                new RepositoryPolicy("team/*", PullPolicy.IfNotPresent.INSTANCE)));
    assertEquals(policy, table.policyFor(RepositoryName.parse(repository)).toString());
    assertEquals(Duration.ofMinutes(10), ((PullPolicy.Ttl) PullPolicy.parse("ttl:10m")).maxAge());
  }
}
