package dev.berth.storage.s3;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the objects live and how to reach them.
 *
 * @param endpoint the S3 API endpoint ({@code https://s3.eu-west-1.amazonaws.com}, a MinIO or Ceph
 *     RGW URL); empty for AWS's own endpoint of {@code region}
 * @param region the signing region ({@code us-east-1} for most S3-compatible servers)
 * @param bucket an existing bucket berth may read, write, list and delete in
 * @param prefix prepended to every key (empty, or ending in {@code /}), so that one bucket can hold
 *     several caches
 * @param accessKey with {@code secretKey}: static credentials
 * @param credentialsFile an AWS shared-credentials file, its {@code default} profile; with neither
 *     this nor static keys: the AWS default chain (environment, web identity as with EKS pod
 *     identities, instance profile)
 * @param pathStyle {@code https://host/bucket/key} instead of a bucket host name (MinIO, Ceph)
 * @param partSize bytes per multipart-upload part (S3 requires at least 5 MiB but for the last)
 * @param connectTimeout TCP and TLS connect
 * @param readTimeout the longest wait for a byte of an answer
 */
public record S3Location(
    Optional<URI> endpoint,
    String region,
    String bucket,
    String prefix,
    Optional<String> accessKey,
    Optional<String> secretKey,
    Optional<java.nio.file.Path> credentialsFile,
    boolean pathStyle,
    int partSize,
    Duration connectTimeout,
    Duration readTimeout) {

  /** The smallest part S3 accepts (for every part but the last). */
  public static final int MIN_PART_SIZE = 5 << 20;

  public static final int DEFAULT_PART_SIZE = 8 << 20;

  public S3Location {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    if (bucket.isEmpty()) {
      throw new IllegalArgumentException("bucket: a bucket name is needed");
    }
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new IllegalArgumentException("prefix: must end in '/', was '" + prefix + "'");
    }
    if (accessKey.isPresent() != secretKey.isPresent()) {
      throw new IllegalArgumentException("accessKey and secretKey: both or neither");
    }
    if (accessKey.isPresent() && credentialsFile.isPresent()) {
      throw new IllegalArgumentException("credentialsFile: not with static keys");
    }
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException(
          "partSize: at least " + MIN_PART_SIZE + " bytes (S3's minimum), was " + partSize);
    }
  }

  /** Static credentials against {@code endpoint}, path-style, default part size and timeouts. */
  public static S3Location of(
      URI endpoint, String region, String bucket, String accessKey, String secretKey) {
    return new S3Location(
        Optional.of(endpoint),
        region,
        bucket,
        "",
        Optional.of(accessKey),
        Optional.of(secretKey),
        Optional.empty(),
        true,
        DEFAULT_PART_SIZE,
        Duration.ofSeconds(5),
        Duration.ofSeconds(30));
  }

  /** Without the secret key: a location may be logged. */
  @Override
  public String toString() {
    return "S3Location[endpoint="
        + endpoint.map(Object::toString).orElse("AWS")
        + ", region="
        + region
        + ", bucket="
        + bucket
        + ", prefix="
        + prefix
        + ", accessKey="
        + accessKey.orElse("-")
        + ", secretKey="
        + (secretKey.isPresent() ? "***" : "-")
        + "]";
  }

  /** The same location under another key prefix. */
  public S3Location withPrefix(String newPrefix) {
    return new S3Location(
        endpoint,
        region,
        bucket,
        newPrefix,
        accessKey,
        secretKey,
        credentialsFile,
        pathStyle,
        partSize,
        connectTimeout,
        readTimeout);
  }
}
