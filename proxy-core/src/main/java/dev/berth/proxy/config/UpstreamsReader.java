package dev.berth.proxy.config;

import dev.berth.proxy.policy.PullPolicy;
import dev.berth.proxy.policy.RepositoryPolicy;
import dev.berth.proxy.text.Durations;
import dev.berth.proxy.text.InvalidValueException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the {@code upstreams} list: each entry, then the rules across entries (unique names, at
 * most one default, at least one upstream).
 */
final class UpstreamsReader {
  private static final List<String> UPSTREAM_KEYS =
      List.of(
          "name",
          "url",
          "default",
          "policy",
          "policies",
          "max-stale",
          "token-realms",
          "connect-timeout",
          "read-timeout",
          "request-timeout",
          "transfer-timeout",
          "max-blob-size",
          "parent");
  private static final List<String> POLICY_KEYS = List.of("repositories", "policy");

  private UpstreamsReader() {}

  static List<UpstreamConfig> read(ConfigNode node) {
    List<ConfigNode> entries = node.list();
    if (entries.isEmpty()) {
      throw node.error("at least one upstream is required");
    }
    List<UpstreamConfig> upstreams = new ArrayList<>();
    Map<String, String> pathsByName = new HashMap<>();
    Optional<String> defaultPath = Optional.empty();
    for (ConfigNode entry : entries) {
      UpstreamConfig upstream = upstream(entry);
      String previous =
          pathsByName.putIfAbsent(upstream.name().toLowerCase(Locale.ROOT), entry.path());
      if (previous != null) {
        throw entry
            .required("name")
            .error("duplicate upstream name '" + upstream.name() + "' (also at " + previous + ")");
      }
      if (upstream.isDefault()) {
        if (defaultPath.isPresent()) {
          throw entry
              .required("default")
              .error(
                  "invalid value 'true': "
                      + defaultPath.get()
                      + " is the default already; at most one upstream may be default");
        }
        defaultPath = Optional.of(entry.path() + " (" + upstream.name() + ")");
      }
      upstreams.add(upstream);
    }
    return upstreams;
  }

  private static UpstreamConfig upstream(ConfigNode node) {
    node.requireMap(UPSTREAM_KEYS);
    return new UpstreamConfig(
        node.required("name").as(UpstreamName::check),
        node.required("url").as(UpstreamUrl::parse),
        node.optional("default").map(ConfigNode::bool).orElse(false),
        node.optional("policy")
            .map(policy -> policy.as(PullPolicy::parse))
            .orElse(PullPolicy.Always.INSTANCE),
        node.optional("policies").map(UpstreamsReader::policies).orElse(List.of()),
        node.optional("max-stale")
            .map(maxStale -> maxStale.as(Durations::parse))
            .orElse(UpstreamConfig.DEFAULT_MAX_STALE),
        node.optional("token-realms")
            .map(
                list ->
                    list.list().stream()
                        .map(host -> host.as(UpstreamsReader::realmHost))
                        .collect(java.util.stream.Collectors.toSet()))
            .orElse(java.util.Set.of()),
        node.optional("connect-timeout")
            .map(t -> t.as(Durations::parsePositive))
            .orElse(UpstreamConfig.DEFAULT_CONNECT_TIMEOUT),
        node.optional("read-timeout")
            .map(t -> t.as(Durations::parsePositive))
            .orElse(UpstreamConfig.DEFAULT_READ_TIMEOUT),
        node.optional("request-timeout")
            .map(t -> t.as(Durations::parsePositive))
            .orElse(UpstreamConfig.DEFAULT_REQUEST_TIMEOUT),
        node.optional("transfer-timeout")
            .map(t -> t.as(Durations::parsePositive))
            .orElse(UpstreamConfig.DEFAULT_TRANSFER_TIMEOUT),
        node.optional("max-blob-size")
            .map(t -> t.as(UpstreamsReader::positiveSize))
            .orElse(UpstreamConfig.DEFAULT_MAX_BLOB_SIZE),
        node.optional("parent").map(parent -> parent.as(UpstreamUrl::parse)));
  }

  private static long positiveSize(String text) {
    long size = dev.berth.proxy.text.ByteSizes.parse(text);
    if (size <= 0) {
      throw new InvalidValueException(text, "expected a size above zero such as 64GiB");
    }
    return size;
  }

  /** A host name (no scheme, port or path) allowed to receive credentials as a token realm. */
  private static String realmHost(String text) {
    if (!text.matches(
        "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")) {
      throw new InvalidValueException(text, "expected a host name such as auth.example.com");
    }
    return text.toLowerCase(Locale.ROOT);
  }

  private static List<RepositoryPolicy> policies(ConfigNode node) {
    List<RepositoryPolicy> policies = new ArrayList<>();
    for (ConfigNode entry : node.list()) {
      entry.requireMap(POLICY_KEYS);
      String repositories = entry.required("repositories").as(UpstreamsReader::glob);
      PullPolicy policy = entry.required("policy").as(PullPolicy::parse);
      policies.add(new RepositoryPolicy(repositories, policy));
    }
    return policies;
  }

  private static String glob(String text) {
    if (text.isBlank()) {
      throw new InvalidValueException(
          text, "expected a non-empty repository glob such as library/*");
    }
    return text;
  }
}
