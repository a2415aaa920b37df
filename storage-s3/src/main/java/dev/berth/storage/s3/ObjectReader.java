package dev.berth.storage.s3;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.StoredRangeReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Reads a range of a published object with one ranged {@code GET}, opened at the first read and
 * consumed a chunk at a time, so memory stays one chunk whatever the size.
 */
final class ObjectReader extends StoredRangeReader {
  private final S3Objects objects;
  private final String key;
  private final Runnable gone;
  private @Nullable ResponseInputStream<GetObjectResponse> body;
  private @Nullable ReadableByteChannel channel;

  ObjectReader(
      S3Objects objects,
      String key,
      Digest digest,
      BlobRange.Resolved range,
      int chunkSize,
      Runnable release,
      Runnable gone) {
    super(digest, range, chunkSize, release);
    this.gone = gone;
    this.objects = objects;
    this.key = key;
  }

  @Override
  protected long readFrom(ByteBuffer chunk, long from, long end) {
    ReadableByteChannel in = channel;
    if (in == null) {
      BlobRange.Resolved range = range();
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
    int want = (int) Math.min(chunkSize(), end - from);
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
    return from + want;
  }

  @Override
  protected void closeSource() {
    ResponseInputStream<GetObjectResponse> in = body;
    if (in != null) {
      in.abort(); // do not drain the rest of a range nobody reads
    }
  }
}
