package dev.berth.storage.s3;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Builds the one blocking S3 client a store uses. Every call is bounded: connect and read timeouts
 * on the socket, and a total per attempt and per call (with the SDK's retries between attempts), so
 * a stalled object store fails requests instead of holding workers forever.
 */
final class S3Clients {
  /** A whole call, retries included: long enough for one part at a slow few MB/s. */
  static final Duration CALL_TIMEOUT = Duration.ofMinutes(5);

  private S3Clients() {}

  static S3Client create(S3Location where) {
    AwsCredentialsProvider credentials;
    if (where.accessKey().isPresent()) {
      credentials =
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(where.accessKey().get(), where.secretKey().orElseThrow()));
    } else if (where.credentialsFile().isPresent()) {
      credentials =
          ProfileCredentialsProvider.builder()
              .profileFile(
                  ProfileFile.builder()
                      .content(where.credentialsFile().get())
                      .type(ProfileFile.Type.CREDENTIALS)
                      .build())
              .profileName("default")
              .build();
    } else {
      credentials = DefaultCredentialsProvider.builder().build();
    }
    var builder =
        S3Client.builder()
            .region(Region.of(where.region()))
            .credentialsProvider(credentials)
            .forcePathStyle(where.pathStyle())
            // Digests are berth's integrity check; the SDK's extra CRC trailers are not
            // understood by every S3-compatible server.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(where.connectTimeout())
                    .socketTimeout(where.readTimeout()))
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .apiCallTimeout(CALL_TIMEOUT)
                    .apiCallAttemptTimeout(CALL_TIMEOUT)
                    .build());
    where.endpoint().ifPresent(builder::endpointOverride);
    return builder.build();
  }
}
