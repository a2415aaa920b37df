package dev.berth.proxy.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code cluster.object-storage}: the S3-compatible bucket a cluster tier's replicas keep blobs and
 * manifests in, shared by all of them.
 *
 * @param endpoint the S3 API endpoint (MinIO, Ceph RGW, another cloud's S3 API); empty for AWS's
 *     own endpoint of {@code region}
 * @param region the signing region
 * @param bucket an existing bucket
 * @param prefix prepended to every key (empty, or ending in {@code /})
 * @param pathStyle bucket in the path rather than in the host name
 * @param partSize bytes per multipart-upload part, at least 5 MiB
 * @param credentialsFile an AWS shared-credentials file ({@code [default]} with {@code
 *     aws_access_key_id} and {@code aws_secret_access_key}); empty for the AWS default chain
 *     (environment, web identity, instance profile)
 */
public record ObjectStorageConfig(
    Optional<URI> endpoint,
    String region,
    String bucket,
    String prefix,
    boolean pathStyle,
    int partSize,
    Optional<Path> credentialsFile) {
  public static final String DEFAULT_REGION = "us-east-1";
  public static final int MIN_PART_SIZE = 5 << 20;
  public static final int DEFAULT_PART_SIZE = 8 << 20;

  public ObjectStorageConfig {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(credentialsFile, "credentialsFile");
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException("partSize below 5 MiB: " + partSize);
    }
  }
}
