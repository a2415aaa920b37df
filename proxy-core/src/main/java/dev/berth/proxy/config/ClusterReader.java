package dev.berth.proxy.config;

import dev.berth.proxy.text.ByteSizes;
import dev.berth.proxy.text.InvalidValueException;
import java.util.List;
import java.util.regex.Pattern;

/** Reads the {@code cluster} block. */
final class ClusterReader {
  private static final List<String> CLUSTER_KEYS =
      List.of("object-storage", "peers", "peer-token-file");
  private static final List<String> OBJECT_STORAGE_KEYS =
      List.of(
          "endpoint", "region", "bucket", "prefix", "path-style", "part-size", "credentials-file");

  /** S3's bucket naming rules (3-63 of lowercase letters, digits, dots and hyphens). */
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private ClusterReader() {}

  static ClusterConfig read(ConfigNode node) {
    node.requireMap(CLUSTER_KEYS);
    List<HostPort> peers =
        node.optional("peers")
            .map(list -> list.list().stream().map(p -> p.as(ClusterReader::peer)).toList())
            .orElse(List.of());
    var tokenFile = node.optional("peer-token-file").map(f -> f.as(ConfigReader::path));
    if (!peers.isEmpty() && tokenFile.isEmpty()) {
      throw node.required("peers")
          .error(
              "peers need cluster.peer-token-file: the replicas prove to each other that they"
                  + " are replicas with the secret in it");
    }
    return new ClusterConfig(
        node.optional("object-storage").map(ClusterReader::objectStorage), peers, tokenFile);
  }

  private static HostPort peer(String text) {
    HostPort peer = HostPort.parse(text);
    if (peer.port() == 0) {
      throw new InvalidValueException(text, "expected host:port with the replicas' port");
    }
    return peer;
  }

  private static ObjectStorageConfig objectStorage(ConfigNode node) {
    node.requireMap(OBJECT_STORAGE_KEYS);
    var endpoint = node.optional("endpoint").map(e -> e.as(UpstreamUrl::parse));
    return new ObjectStorageConfig(
        endpoint,
        node.optional("region").map(ConfigNode::text).orElse(ObjectStorageConfig.DEFAULT_REGION),
        node.required("bucket").as(ClusterReader::bucket),
        node.optional("prefix").map(p -> p.as(ClusterReader::prefix)).orElse(""),
        node.optional("path-style").map(ConfigNode::bool).orElse(endpoint.isPresent()),
        node.optional("part-size")
            .map(p -> p.as(ClusterReader::partSize))
            .orElse(ObjectStorageConfig.DEFAULT_PART_SIZE),
        node.optional("credentials-file").map(f -> f.as(ConfigReader::path)));
  }

  private static String bucket(String text) {
    if (!BUCKET.matcher(text).matches()) {
      throw new InvalidValueException(
          text, "expected an S3 bucket name: 3 to 63 lowercase letters, digits, '.' and '-'");
    }
    return text;
  }

  private static String prefix(String text) {
    if (text.startsWith("/") || (!text.isEmpty() && !text.endsWith("/"))) {
      throw new InvalidValueException(text, "expected a key prefix such as tier/ (ending in /)");
    }
    return text;
  }

  private static int partSize(String text) {
    long size = ByteSizes.parse(text);
    if (size < ObjectStorageConfig.MIN_PART_SIZE || size > (1L << 30)) {
      throw new InvalidValueException(
          text, "expected a part size from 5MiB (S3's minimum) to 1GiB, such as 8MiB");
    }
    return (int) size;
  }
}
