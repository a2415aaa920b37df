package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.FollowingReader;
import dev.berth.storage.WriteProgress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import org.jspecify.annotations.Nullable;

/**
 * Follows a write into a file of {@link BlobFiles} by the rules of {@link FollowingReader}, reading
 * what the writer has written so far (the page cache holds it). The file keeps its name when the
 * write commits, so a follower reads on through the commit; when a racing writer's generation won,
 * it opens that one's file.
 */
final class LiveFileReader extends FollowingReader {
  private final RocksBlobStore store;
  private @Nullable FileChannel file;
  private long fileGeneration;

  LiveFileReader(
      RocksBlobStore store,
      Digest digest,
      WriteProgress progress,
      BlobRange requested,
      Runnable releaseLease) {
    super(digest, store.chunkSize(), progress, requested, releaseLease);
    this.store = store;
  }

  @Override
  protected long read(WriteProgress.Snapshot s, ByteBuffer chunk, long from, long end) {
    FileChannel channel = fileOf(s);
    if (channel == null) {
      return -1; // the write changed: look again
    }
    return FileBlobReader.readAt(channel, chunk, from, Math.min(end, from + chunkSize()), digest);
  }

  /**
   * The open file of {@code s}'s generation, or null when the write changed meanwhile or the reader
   * was closed (from another thread: a client that left).
   */
  private synchronized @Nullable FileChannel fileOf(WriteProgress.Snapshot s) {
    if (isDone()) {
      return null;
    }
    if (file != null && fileGeneration == s.generation()) {
      return file;
    }
    closeFile();
    try {
      file = store.files().open(digest, s.generation());
      fileGeneration = s.generation();
      return file;
    } catch (NoSuchFileException e) {
      WriteProgress.Snapshot after = progress.snapshot();
      if (after.generation() != s.generation() || after.state() != s.state()) {
        return null; // a racing writer won, or ours failed
      }
      if (after.state() == WriteProgress.State.COMMITTED) {
        throw new BlobGoneException(digest);
      }
      throw new CorruptBlobException(digest, "its file vanished during the write");
    } catch (IOException e) {
      throw BlobFiles.translate("opening the file of " + digest, e);
    }
  }

  private synchronized void closeFile() {
    if (file != null) {
      FileBlobReader.closeQuietly(file);
      file = null;
    }
  }

  @Override
  public void close() {
    super.close();
    closeFile();
  }
}
