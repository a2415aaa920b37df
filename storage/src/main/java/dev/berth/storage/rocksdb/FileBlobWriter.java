package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.ChunkBuffers;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import dev.berth.storage.VerifyingBlobWriter;
import dev.berth.storage.WriteProgress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes a large blob into its own file of {@link BlobFiles}: appended bytes are gathered in an
 * aligned buffer of a chunk's size (rounded up to the alignment) that goes to the file whole
 * (direct I/O where the file system allows it, so aligned offsets and lengths), with no memtable
 * and no flush. Followers see the bytes a write of the buffer put in the file. Publish writes the
 * last partial buffer padded to the alignment, cuts the file to the blob's size, syncs it and the
 * directory, then writes the commit record.
 */
final class FileBlobWriter extends VerifyingBlobWriter {
  private final RocksBlobStore store;
  private final long generation;
  private final WriteProgress progress;
  private final FileChannel file;
  private final ChunkBuffers stages;
  private final ByteBuffer stage;

  /** Bytes in the file (whole stages). */
  private long inFile;

  FileBlobWriter(RocksBlobStore store, Digest digest, long generation, long expectedSize) {
    super(digest, expectedSize);
    this.store = store;
    this.generation = generation;
    this.progress = new WriteProgress(generation, expectedSize);
    this.file = store.files().create(digest, generation, expectedSize).channel();
    this.stages = store.stageBuffers();
    this.stage = stages.take(store.stageSize());
  }

  @Override
  protected void store(ByteBuffer bytes) {
    int n = bytes.remaining();
    while (bytes.hasRemaining()) {
      int take = Math.min(bytes.remaining(), stage.remaining());
      ByteBuffer piece = bytes.slice();
      piece.limit(take);
      stage.put(piece);
      bytes.position(bytes.position() + take);
      if (!stage.hasRemaining()) {
        writeStage(stage.capacity());
        progress.advance(inFile);
      }
    }
    store.addWritingBytes(n);
  }

  /** Writes the stage's first {@code length} bytes (aligned) at the end of the file. */
  private void writeStage(int length) {
    stage.flip().limit(length);
    try {
      while (stage.hasRemaining()) {
        file.write(stage, inFile + stage.position());
      }
    } catch (IOException e) {
      throw store.files().failed("writing " + digest, e, Math.max(expectedSize, inFile + length));
    }
    inFile += length;
    stage.clear();
  }

  @Override
  protected BlobInfo publish() {
    long size = inFile + stage.position();
    try {
      if (stage.position() > 0) {
        int tail = stage.position();
        int padded = (tail + BlobFiles.ALIGNMENT - 1) / BlobFiles.ALIGNMENT * BlobFiles.ALIGNMENT;
        writeStage(padded); // direct I/O writes whole blocks: the padding is cut off next
        file.truncate(size);
      }
      file.force(false); // the bytes are durable before the record that makes them visible
      file.close();
    } catch (IOException e) {
      throw store.files().failed("syncing the file of " + digest, e, size);
    } finally {
      stages.give(stage); // the write is over: no append follows a publish
    }
    store.files().syncDirectory();
    BlobRecord visible = store.publishFile(digest, generation, size);
    progress.committed(visible.size(), visible.generation());
    return visible.toInfo(digest);
  }

  @Override
  protected void discard(Throwable reason) {
    long stored = inFile + stage.position();
    try {
      file.close();
      store.discardFile(digest, generation, stored);
    } catch (IOException | StorageException e) {
      // The upload record stays; the next open deletes the file.
      RocksBlobStore.logDiscardFailure(digest, e);
    } finally {
      stages.give(stage);
      progress.failed(reason);
    }
  }

  @Override
  public BlobReader follow(BlobRange range) {
    Runnable release = store.leaseForFollower(digest);
    try {
      return new LiveFileReader(store, digest, progress, range, release);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
  }
}
