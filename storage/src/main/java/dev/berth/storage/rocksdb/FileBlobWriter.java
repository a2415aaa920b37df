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
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * Writes a large blob into its own file of {@link BlobFiles}: appended bytes are gathered in an
 * aligned buffer of a chunk's size (rounded up to the alignment) that goes to the file whole
 * (direct I/O where the file system allows it, so aligned offsets and lengths), with no memtable
 * and no flush. Two buffers take turns: while one is written on {@link BlobFiles#io}, the writer
 * hashes and gathers the next, so the disk's time and the hashing overlap instead of adding up.
 * Followers see the bytes of a buffer once its write completed. Publish writes the last partial
 * buffer padded to the alignment, cuts the file to the blob's size, syncs it and the directory,
 * then writes the commit record.
 */
final class FileBlobWriter extends VerifyingBlobWriter {
  private final RocksBlobStore store;
  private final long generation;
  private final WriteProgress progress;
  private final FileChannel file;
  private final ChunkBuffers pool;
  private final ByteBuffer[] stages = new ByteBuffer[2];

  /** The stage being filled; the other one may be in flight. */
  private int current;

  /** The write of the other stage, until awaited. */
  private @Nullable CompletableFuture<Void> inFlight;

  /** Bytes handed to writes (whole stages); all in the file once the write in flight is awaited. */
  private long queued;

  FileBlobWriter(RocksBlobStore store, Digest digest, long generation, long expectedSize) {
    super(digest, expectedSize);
    this.store = store;
    this.generation = generation;
    this.progress = new WriteProgress(generation, expectedSize);
    this.file = store.files().create(digest, generation, expectedSize);
    this.pool = store.stageBuffers();
  }

  /** The stage being filled, taken from the pool when first needed. */
  private ByteBuffer stage() {
    ByteBuffer s = stages[current];
    if (s == null) {
      s = pool.take(store.stageSize());
      stages[current] = s;
    }
    return s;
  }

  @Override
  protected void store(ByteBuffer bytes) {
    int n = bytes.remaining();
    while (bytes.hasRemaining()) {
      ByteBuffer stage = stage();
      ChunkBuffers.fill(stage, bytes);
      if (!stage.hasRemaining()) {
        awaitInFlight(); // the other stage: free again, and its bytes in the file
        inFlight = write(stage.flip(), queued, true);
        queued += stage.limit();
        current ^= 1;
      }
    }
    store.addWritingBytes(n);
  }

  /**
   * Writes {@code stage} at {@code position} on the I/O threads.
   *
   * @param whole a full stage, whose bytes followers may read once written (not the padded tail,
   *     which the commit makes readable)
   */
  private CompletableFuture<Void> write(ByteBuffer stage, long position, boolean whole) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            while (stage.hasRemaining()) {
              file.write(stage, position + stage.position());
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          if (whole) {
            // Followers may read these bytes now, before the writer comes back for the stage.
            progress.advance(position + stage.limit());
          }
        },
        store.files().io());
  }

  /** Waits for the write in flight, if any: its stage is free again, its bytes in the file. */
  private void awaitInFlight() {
    CompletableFuture<Void> pending = inFlight;
    if (pending == null) {
      return;
    }
    inFlight = null;
    try {
      pending.join();
    } catch (CompletionException e) {
      throw writeFailure(e.getCause());
    }
    stages[current ^ 1].clear();
  }

  /** A failed write as the typed exception callers act on (a full disk among them). */
  private StorageException writeFailure(@Nullable Throwable cause) {
    if (cause instanceof UncheckedIOException u) {
      IOException io = u.getCause();
      if (io != null) {
        return store.files().failed("writing " + digest, io, Math.max(expectedSize, queued));
      }
    }
    return new StorageException("writing " + digest + ": " + cause, cause);
  }

  @Override
  protected BlobInfo publish() {
    long size;
    try {
      awaitInFlight();
      ByteBuffer stage = stage();
      size = queued + stage.position();
      if (stage.position() > 0) {
        int tail = stage.position();
        int align = BlobFiles.ALIGNMENT;
        stage.flip().limit((tail + align - 1) / align * align); // direct I/O writes whole blocks
        write(stage, queued, false).join();
        file.truncate(size); // the padding goes
      }
      file.force(false); // the bytes are durable before the record that makes them visible
      file.close();
    } catch (IOException e) {
      throw store.files().failed("syncing the file of " + digest, e, queued);
    } catch (CompletionException e) {
      throw writeFailure(e.getCause());
    } finally {
      releaseStages(); // the write is over: no append follows a publish
    }
    store.files().syncDirectory();
    BlobRecord visible = store.publishFile(digest, generation, size);
    progress.committed(visible.size(), visible.generation());
    return visible.toInfo(digest);
  }

  @Override
  protected void discard(Throwable reason) {
    long stored = queued + (stages[current] == null ? 0 : stages[current].position());
    // Followers learn of the failure before the file goes: one that finds it gone must see why.
    progress.failed(reason);
    try {
      CompletableFuture<Void> pending = inFlight;
      if (pending != null) {
        pending.handle((v, e) -> null).join(); // its stage must not go back while in use
      }
      file.close();
      store.discardFile(digest, generation, stored);
    } catch (IOException | StorageException e) {
      // The upload record stays; the next open deletes the file.
      RocksBlobStore.logDiscardFailure(digest, e);
    } finally {
      releaseStages();
    }
  }

  private void releaseStages() {
    for (int i = 0; i < stages.length; i++) {
      if (stages[i] != null) {
        pool.give(stages[i]);
        stages[i] = null;
      }
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
