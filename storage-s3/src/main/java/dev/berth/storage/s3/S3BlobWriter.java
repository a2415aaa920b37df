package dev.berth.storage.s3;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import dev.berth.storage.VerifyingBlobWriter;
import dev.berth.storage.WriteAbortedException;
import dev.berth.storage.WriteProgress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * One blob write to S3: bytes are hashed and spooled as they arrive, uploaded a part at a time as
 * parts fill, and the object is created only after the digest matched: by {@code
 * CompleteMultipartUpload} (or one {@code PUT} for a blob smaller than a part) with {@code
 * If-None-Match: *}, so racing replicas never publish over each other, and a wrong or partial blob
 * is never visible under its key.
 */
final class S3BlobWriter extends VerifyingBlobWriter {
  private static final Logger log = LoggerFactory.getLogger(S3BlobWriter.class);

  private final S3BlobStore store;
  private final S3Objects objects;
  private final String key;
  private final int partSize;
  private final WriteProgress progress;
  private final Spool spool;
  private final List<CompletedPart> parts = new ArrayList<>();
  private @Nullable String uploadId;
  private long spooled;
  private long uploaded;

  S3BlobWriter(
      S3BlobStore store,
      S3Objects objects,
      String key,
      Digest digest,
      long expectedSize,
      int partSize,
      Spool spool) {
    super(digest, expectedSize);
    this.store = store;
    this.objects = objects;
    this.key = key;
    this.partSize = partSize;
    this.progress = new WriteProgress(0, expectedSize);
    this.spool = spool;
  }

  @Override
  protected void store(ByteBuffer bytes) {
    int n = bytes.remaining();
    spool.append(bytes);
    spooled += n;
    store.spooling(n);
    progress.advance(spooled);
    while (spooled - uploaded >= partSize) {
      uploadPart(partSize);
    }
  }

  private void uploadPart(long length) {
    String id = uploadId;
    if (id == null) {
      id = objects.startUpload(key);
      uploadId = id;
    }
    long from = uploaded;
    parts.add(
        objects.uploadPart(key, id, parts.size() + 1, length, () -> spool.stream(from, length)));
    uploaded += length;
  }

  @Override
  protected BlobInfo publish() {
    createObject();
    BlobInfo info = store.published(digest, spooled);
    store.spooled(spooled);
    progress.committed(spooled, 0);
    spool.release();
    return info;
  }

  /** Creates the object unless a racing writer did: its bytes are these, verified the same way. */
  private void createObject() {
    String id = uploadId;
    if (id == null) {
      objects.createIfAbsent(
          key, "application/octet-stream", spooled, () -> spool.stream(0, spooled));
      return;
    }
    if (spooled > uploaded) {
      uploadPart(spooled - uploaded);
    }
    uploadId = null;
    if (!objects.completeIfAbsent(key, id, parts)) {
      try {
        objects.abortUpload(key, id); // another writer published the same bytes first
      } catch (StorageException e) {
        log.warn(
            "dropping the losing upload of {} failed, the bucket's lifecycle rule removes it: {}",
            key,
            e.getMessage());
      }
    }
  }

  @Override
  protected void discard(Throwable reason) {
    String id = uploadId;
    uploadId = null;
    try {
      if (id != null) {
        objects.abortUpload(key, id);
      }
    } catch (StorageException e) {
      // S3 frees an abandoned upload by the bucket's lifecycle rule (see the README); say so.
      log.warn(
          "aborting the upload of {} failed, its parts stay until the bucket's lifecycle "
              + "rule removes them: {}",
          key,
          e.getMessage());
    } finally {
      store.spooled(spooled);
      progress.failed(reason);
      spool.release();
    }
  }

  @Override
  public BlobReader follow(BlobRange range) {
    if (!spool.tryRetain()) {
      // The write is over and its last reader gone: what it left is the object, or nothing.
      WriteProgress.Snapshot s = progress.snapshot();
      if (s.state() == WriteProgress.State.COMMITTED) {
        return store.openReader(digest, range).orElseThrow(() -> new BlobGoneException(digest));
      }
      Throwable failure = s.failure();
      throw new WriteAbortedException(
          digest, failure != null ? failure : new IllegalStateException("aborted"));
    }
    Runnable lease = store.lease(digest);
    try {
      return new SpoolReader(
          digest,
          store.readChunk(),
          progress,
          spool,
          range,
          () -> {
            lease.run();
            spool.release();
          });
    } catch (RuntimeException e) {
      lease.run();
      spool.release();
      throw e;
    }
  }
}
