package dev.berth.storage.s3;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Reads a range of a published object with one ranged {@code GET}, opened at the first read and
 * consumed a chunk at a time, so memory stays one chunk whatever the size.
 */
final class ObjectReader implements BlobReader {
  private final S3Objects objects;
  private final String key;
  private final Digest digest;
  private final BlobRange.Resolved range;
  private final int chunkSize;
  private final Runnable release;
  private final Runnable gone;
  private @Nullable ResponseInputStream<GetObjectResponse> body;
  private @Nullable ReadableByteChannel channel;
  private long position;
  private boolean closed;

  ObjectReader(
      S3Objects objects,
      String key,
      Digest digest,
      BlobRange.Resolved range,
      int chunkSize,
      Runnable release,
      Runnable gone) {
    this.gone = gone;
    this.objects = objects;
    this.key = key;
    this.digest = digest;
    this.range = range;
    this.chunkSize = chunkSize;
    this.release = release;
    this.position = range.start();
  }

  @Override
  public BlobRange.Resolved range() {
    return range;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public boolean isDone() {
    return closed || position >= range.endExclusive();
  }

  @Override
  public CompletionStage<Void> readable() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public int chunkSize() {
    return chunkSize;
  }

  @Override
  public boolean readInto(ByteBuffer chunk) {
    if (isDone()) {
      return false;
    }
    ReadableByteChannel in = channel;
    if (in == null) {
      ResponseInputStream<GetObjectResponse> opened =
          objects.get(key, range.start(), range.endExclusive() - 1);
      if (opened == null) {
        gone.run(); // deleted by another replica: this one's index must not list it any more
        throw new BlobGoneException(digest);
      }
      Long length = opened.response().contentLength();
      if (length == null || length != range.length()) {
        opened.abort();
        throw new CorruptBlobException(
            digest,
            "object "
                + key
                + " answered "
                + length
                + " bytes for a range of "
                + range.length()
                + " (a server that ignores Range?)");
      }
      body = opened;
      in = Channels.newChannel(opened);
      channel = in;
    }
    int want = (int) Math.min(chunkSize, range.endExclusive() - position);
    chunk.clear().limit(want);
    try {
      while (chunk.hasRemaining()) {
        if (in.read(chunk) < 0) {
          throw new CorruptBlobException(
              digest, "object " + key + " ended " + chunk.remaining() + " bytes early");
        }
      }
    } catch (IOException e) {
      throw new dev.berth.storage.StorageException("reading " + key + " failed: " + e, e);
    }
    chunk.flip();
    position += want;
    return true;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ResponseInputStream<GetObjectResponse> in = body;
    if (in != null) {
      in.abort(); // do not drain the rest of a range nobody reads
    }
    release.run();
  }
}
