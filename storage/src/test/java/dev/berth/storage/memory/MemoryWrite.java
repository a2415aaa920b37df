package dev.berth.storage.memory;

import dev.berth.storage.WriteProgress;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The chunks of one blob and its {@link WriteProgress}: a write in progress while its writer
 * appends, then committed (or failed). Readers of committed blobs get one already committed. A
 * chunk is in the list before the progress counts it.
 */
final class MemoryWrite {
  private final WriteProgress progress;
  private List<byte[]> chunks;
  private long stored;

  private MemoryWrite(List<byte[]> chunks, WriteProgress progress) {
    this.chunks = chunks;
    this.progress = progress;
  }

  static MemoryWrite writing(long expectedSize) {
    return new MemoryWrite(new ArrayList<>(), new WriteProgress(0, expectedSize));
  }

  static MemoryWrite done(List<byte[]> chunks, long size) {
    return new MemoryWrite(chunks, WriteProgress.done(size));
  }

  WriteProgress progress() {
    return progress;
  }

  /** The chunk, or null when the write failed meanwhile (its chunks are dropped then). */
  synchronized byte @Nullable [] chunk(int index) {
    return index < chunks.size() ? chunks.get(index) : null;
  }

  synchronized int chunkCount() {
    return chunks.size();
  }

  /** The chunks, for publishing; the list is not changed after the write ends. */
  synchronized List<byte[]> chunks() {
    return List.copyOf(chunks);
  }

  void append(byte[] chunk) {
    long now;
    synchronized (this) {
      if (!writing()) {
        return;
      }
      chunks.add(chunk);
      stored += chunk.length;
      now = stored;
    }
    progress.advance(now);
  }

  /**
   * Ends the write as {@code blob}: this write's own chunks, or those of a writer that committed
   * the same digest first (readers continue on them).
   */
  void committed(List<byte[]> blob, long size) {
    synchronized (this) {
      if (!writing()) {
        return; // the end is final
      }
      chunks = blob;
    }
    progress.committed(size, 0);
  }

  void failed(Throwable failure) {
    synchronized (this) {
      if (!writing()) {
        return;
      }
      chunks = List.of();
    }
    progress.failed(failure);
  }

  private boolean writing() {
    return progress.snapshot().state() == WriteProgress.State.WRITING;
  }
}
