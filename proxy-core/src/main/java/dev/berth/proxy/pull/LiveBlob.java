package dev.berth.proxy.pull;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import io.vertx.core.Future;
import java.util.function.LongFunction;

/**
 * One client's share of a live download: its range, read from the download's memory ({@link #next})
 * while it keeps up, and from storage ({@link #fromStorage}) from where it fell behind.
 */
public final class LiveBlob {
  private final FanOutWindow.Cursor cursor;
  private final BlobRange.Resolved range;
  private final LongFunction<Future<BlobReader>> fromStorage;

  LiveBlob(
      FanOutWindow.Cursor cursor,
      BlobRange.Resolved range,
      LongFunction<Future<BlobReader>> fromStorage) {
    this.cursor = cursor;
    this.range = range;
    this.fromStorage = fromStorage;
  }

  /** The whole blob's size (the range was resolved against it). */
  public long size() {
    return range.blobSize();
  }

  public BlobRange.Resolved range() {
    return range;
  }

  /** Runs (on any thread) once something changed after {@link #next} answered to wait. */
  public void listen(Runnable onChange) {
    cursor.listen(onChange);
  }

  /** The next bytes, at most {@code max}. */
  public LiveRead next(int max) {
    return cursor.next(max);
  }

  /** A storage reader of the range's rest from {@code position}, after {@link LiveRead.Behind}. */
  public Future<BlobReader> fromStorage(long position) {
    cursor.close();
    return fromStorage.apply(position);
  }

  /** The client is done or gone. */
  public void close() {
    cursor.close();
  }
}
