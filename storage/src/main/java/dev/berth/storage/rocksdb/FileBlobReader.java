package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobGoneException;
import dev.berth.storage.BlobRange;
import dev.berth.storage.CorruptBlobException;
import dev.berth.storage.Digest;
import dev.berth.storage.FileSpan;
import dev.berth.storage.StorageException;
import dev.berth.storage.StoredRangeReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.util.Optional;

/**
 * Reads a committed blob kept in a file of {@link BlobFiles}: a positional read per {@link
 * #readInto}, or the whole rest of the range handed out for {@code sendfile}. The file is opened,
 * and its size checked against the record, when the reader is created.
 */
final class FileBlobReader extends StoredRangeReader {
  private final FileChannel file;

  /**
   * @throws BlobGoneException when the blob was deleted before its file could be opened
   * @throws CorruptBlobException when the file is missing or its size is not the record's
   */
  FileBlobReader(
      RocksBlobStore store,
      Digest digest,
      BlobRecord record,
      BlobRange.Resolved range,
      Runnable releaseLease) {
    super(digest, range, record.chunkSize(), releaseLease);
    this.file = open(store, digest, record);
  }

  private static FileChannel open(RocksBlobStore store, Digest digest, BlobRecord record) {
    FileChannel channel;
    try {
      channel = store.files().open(digest, record.generation());
    } catch (NoSuchFileException e) {
      BlobRecord now = store.record(digest);
      if (now == null || now.generation() != record.generation()) {
        throw new BlobGoneException(digest);
      }
      throw new CorruptBlobException(digest, "its file is missing");
    } catch (IOException e) {
      throw BlobFiles.translate("opening the file of " + digest, e);
    }
    long size;
    try {
      size = channel.size();
    } catch (IOException e) {
      closeQuietly(channel);
      throw BlobFiles.translate("reading the size of the file of " + digest, e);
    }
    if (size != record.size()) {
      closeQuietly(channel);
      throw new CorruptBlobException(
          digest, "its file has " + size + " bytes, the record " + record.size());
    }
    return channel;
  }

  @Override
  protected long readFrom(ByteBuffer chunk, long from, long end) {
    return readAt(file, chunk, from, Math.min(end, from + chunkSize()), digest);
  }

  @Override
  public Optional<FileSpan> remainingAsFile() {
    return Optional.of(new FileSpan(file, position(), range().endExclusive() - position()));
  }

  @Override
  protected void closeSource() {
    closeQuietly(file);
  }

  /**
   * Reads the file's bytes from {@code from} to {@code end} (at most the capacity of {@code chunk})
   * into {@code chunk} from position 0, leaving them between its position and limit.
   *
   * @return the position after them
   * @throws CorruptBlobException when the file ends first
   */
  static long readAt(FileChannel file, ByteBuffer chunk, long from, long end, Digest digest) {
    int length = (int) Math.min(chunk.capacity(), end - from);
    chunk.clear().limit(length);
    try {
      while (chunk.hasRemaining()) {
        if (file.read(chunk, from + chunk.position()) < 0) {
          throw new CorruptBlobException(digest, "its file ended before byte " + (from + length));
        }
      }
    } catch (IOException e) {
      throw new StorageException("reading the file of " + digest + ": " + e, e);
    }
    chunk.flip();
    return from + length;
  }

  static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // a reader's channel: nothing was written through it
    }
  }
}
