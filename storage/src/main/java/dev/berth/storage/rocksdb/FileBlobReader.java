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
    try {
      long size = channel.size();
      if (size != record.size()) {
        throw new CorruptBlobException(
            digest, "its file has " + size + " bytes, the record " + record.size());
      }
      return channel;
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw BlobFiles.translate("reading the size of the file of " + digest, (IOException) e);
    }
  }

  @Override
  protected long readFrom(ByteBuffer chunk, long from, long end) {
    int length = (int) Math.min(chunkSize(), end - from);
    if (!readFully(file, chunk, from, length, digest)) {
      throw new CorruptBlobException(digest, "its file ended before byte " + (from + length));
    }
    return from + length;
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
   * Reads {@code length} bytes at {@code offset} into {@code chunk} from position 0, leaving them
   * between its position and limit.
   *
   * @return false when the file ends first
   */
  static boolean readFully(
      FileChannel file, ByteBuffer chunk, long offset, int length, Digest digest) {
    chunk.clear().limit(length);
    try {
      while (chunk.hasRemaining()) {
        if (file.read(chunk, offset + chunk.position()) < 0) {
          return false;
        }
      }
    } catch (IOException e) {
      throw new StorageException("reading the file of " + digest + ": " + e, e);
    }
    chunk.flip();
    return true;
  }

  static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // a reader's channel: nothing was written through it
    }
  }
}
