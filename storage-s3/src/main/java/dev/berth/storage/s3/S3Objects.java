package dev.berth.storage.s3;

import dev.berth.storage.StorageException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The calls the stores make on one bucket, with S3's answers turned into what the stores mean:
 * absent is {@code null} or empty, a lost race for a conditional create is {@code false}, and every
 * other failure a {@link StorageException} naming the bucket, key and status.
 */
final class S3Objects {
  private static final String OCTETS = "application/octet-stream";

  /**
   * A whole call that moves no blob body (HEAD, a manifest, DELETE, listing a page, completing an
   * upload): these run on the request path, so a stalled bucket fails them quickly.
   */
  static final java.time.Duration SHORT_CALL = java.time.Duration.ofSeconds(15);

  private final S3Client s3;
  private final String bucket;

  S3Objects(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  String bucket() {
    return bucket;
  }

  Optional<HeadObjectResponse> head(String key) {
    try {
      return Optional.of(
          call(
              "HEAD " + key,
              () ->
                  s3.headObject(
                      r -> r.bucket(bucket).key(key).overrideConfiguration(S3Objects::shortCall))));
    } catch (Missing e) {
      return Optional.empty();
    }
  }

  /** A stream of bytes {@code first..last} (inclusive), or null when the object is gone. */
  @Nullable ResponseInputStream<GetObjectResponse> get(String key, long first, long last) {
    try {
      return call(
          "GET " + key,
          () -> s3.getObject(r -> r.bucket(bucket).key(key).range("bytes=" + first + "-" + last)));
    } catch (Missing e) {
      return null;
    }
  }

  /** The whole (small) object, or empty. */
  Optional<byte[]> getBytes(String key) {
    try {
      return Optional.of(
          call(
                  "GET " + key,
                  () ->
                      s3.getObjectAsBytes(
                          r ->
                              r.bucket(bucket)
                                  .key(key)
                                  .overrideConfiguration(S3Objects::shortCall)))
              .asByteArray());
    } catch (Missing e) {
      return Optional.empty();
    }
  }

  /**
   * Creates {@code key} unless it exists ({@code If-None-Match: *}).
   *
   * @return false when it existed (another writer published it first)
   */
  boolean createIfAbsent(
      String key, String contentType, long length, Supplier<InputStream> content) {
    try {
      call(
          "PUT " + key,
          () ->
              s3.putObject(
                  r -> r.bucket(bucket).key(key).ifNoneMatch("*").contentType(contentType),
                  RequestBody.fromContentProvider(content::get, length, contentType)));
      return true;
    } catch (Exists e) {
      return false;
    }
  }

  String startUpload(String key) {
    return call(
            "start upload of " + key,
            () -> s3.createMultipartUpload(r -> r.bucket(bucket).key(key).contentType(OCTETS)))
        .uploadId();
  }

  CompletedPart uploadPart(
      String key, String uploadId, int number, long length, Supplier<InputStream> content) {
    String etag =
        call(
                "upload part " + number + " of " + key,
                () ->
                    s3.uploadPart(
                        r ->
                            r.bucket(bucket)
                                .key(key)
                                .uploadId(uploadId)
                                .partNumber(number)
                                .contentLength(length),
                        RequestBody.fromContentProvider(content::get, length, OCTETS)))
            .eTag();
    return CompletedPart.builder().partNumber(number).eTag(etag).build();
  }

  /**
   * Completes an upload unless {@code key} exists.
   *
   * @return false when it existed (the upload is left to {@link #abortUpload})
   */
  boolean completeIfAbsent(String key, String uploadId, List<CompletedPart> parts) {
    try {
      call(
          "complete upload of " + key,
          () ->
              s3.completeMultipartUpload(
                  r ->
                      r.bucket(bucket)
                          .key(key)
                          .uploadId(uploadId)
                          .ifNoneMatch("*")
                          .overrideConfiguration(S3Objects::shortCall)
                          .multipartUpload(m -> m.parts(parts))));
      return true;
    } catch (Exists e) {
      return false;
    }
  }

  void abortUpload(String key, String uploadId) {
    try {
      call(
          "abort upload of " + key,
          () -> s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)));
    } catch (Missing gone) {
      // Already aborted or completed: nothing left to free.
    }
  }

  /** Whether an object was deleted (S3 does not say: a HEAD first tells). */
  boolean delete(String key) {
    if (head(key).isEmpty()) {
      return false;
    }
    call(
        "DELETE " + key,
        () ->
            s3.deleteObject(
                r -> r.bucket(bucket).key(key).overrideConfiguration(S3Objects::shortCall)));
    return true;
  }

  /** Every object under {@code prefix}; the pages are fetched (and fail) inside the call. */
  void list(String prefix, Consumer<S3Object> action) {
    List<S3Object> all =
        call(
            "LIST " + prefix,
            () -> {
              List<S3Object> objects = new java.util.ArrayList<>();
              s3.listObjectsV2Paginator(
                      r ->
                          r.bucket(bucket)
                              .prefix(prefix)
                              .overrideConfiguration(S3Objects::shortCall))
                  .contents()
                  .forEach(objects::add);
              return objects;
            });
    all.forEach(action);
  }

  /** Parts of uploads begun and not completed or aborted under {@code prefix}. */
  long pendingParts(String prefix) {
    return call(
        "LIST uploads " + prefix,
        () -> {
          long parts = 0;
          for (var u :
              s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(prefix)).uploads()) {
            parts +=
                s3.listParts(r -> r.bucket(bucket).key(u.key()).uploadId(u.uploadId()))
                    .parts()
                    .size();
          }
          return parts;
        });
  }

  /** Shortens a request's total time to {@link #SHORT_CALL}. */
  private static void shortCall(
      software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration.Builder o) {
    o.apiCallTimeout(SHORT_CALL).apiCallAttemptTimeout(SHORT_CALL);
  }

  /**
   * Runs one S3 call. A 404 of an object or upload ({@code NoSuchKey}, {@code NoSuchUpload}, or a
   * HEAD's bare 404) is {@link Missing}, a 412 {@link Exists}, for the methods that expect them;
   * any other failure (a missing bucket included) is a {@link StorageException}. A 409 is a
   * conflict to retry, not "exists": the object may not be there.
   */
  private <T> T call(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (S3Exception e) {
      String code = code(e);
      if (e.statusCode() == 404 && !code.equals("NoSuchBucket")) {
        throw new Missing(what + " in bucket " + bucket + ": not found");
      }
      if (e.statusCode() == 412) {
        throw new Exists(what + " in bucket " + bucket + ": exists already");
      }
      throw new StorageException(
          what + " in bucket " + bucket + " failed: HTTP " + e.statusCode() + " " + code(e), e);
    } catch (SdkException e) {
      throw new StorageException(what + " in bucket " + bucket + " failed: " + e.getMessage(), e);
    }
  }

  private static String code(S3Exception e) {
    return e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
  }

  /**
   * 404: the object (or upload) is not there. A {@link StorageException}, so that where no caller
   * expects it, it fails the store's call like any other S3 failure.
   */
  private static final class Missing extends StorageException {
    private static final long serialVersionUID = 1L;

    Missing(String message) {
      super(message);
    }
  }

  /** 412: a conditional create found the key taken. A {@link StorageException} like Missing. */
  private static final class Exists extends StorageException {
    private static final long serialVersionUID = 1L;

    Exists(String message) {
      super(message);
    }
  }
}
