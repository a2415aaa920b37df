package dev.berth.storage.s3;

import java.nio.file.Path;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Opens the blob and manifest stores of one bucket location. Blocking: it lists the bucket.
 *
 * @param blobs content-addressed blobs
 * @param manifests manifests by digest
 */
public record S3Stores(S3BlobStore blobs, S3ManifestStore manifests, S3Client client)
    implements AutoCloseable {

  /**
   * @param spoolDir where writes spool while they upload (local disk, a few parts per write)
   * @param readChunk bytes per read of a stored blob
   */
  public static S3Stores open(S3Location where, Path spoolDir, int readChunk, Clock clock) {
    return create(where, spoolDir, readChunk, clock);
  }

  /**
   * The same stores for reading only, beside replicas that write to the bucket ({@code berth
   * export}): no spool directory, and a blob write is refused.
   */
  public static S3Stores openReadOnly(S3Location where, int readChunk, Clock clock) {
    return create(where, null, readChunk, clock);
  }

  private static S3Stores create(
      S3Location where, @Nullable Path spoolDir, int readChunk, Clock clock) {
    S3Client client = S3Clients.create(where);
    try {
      S3Objects objects = new S3Objects(client, where.bucket());
      S3Keys keys = new S3Keys(where.prefix());
      return new S3Stores(
          new S3BlobStore(objects, keys, where.partSize(), readChunk, spoolDir, clock),
          new S3ManifestStore(objects, keys, clock),
          client);
    } catch (RuntimeException e) {
      client.close(); // the listing failed: a wrong bucket, refused credentials
      throw e;
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
