package dev.berth.storage.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The chunks of one blob and how far they are written: a write in progress while its writer
 * appends, then committed (or failed). Readers of committed blobs get one already committed. Every
 * change completes the current {@link #nextChange()} future and arms a new one, so a reader takes
 * the future first, then a {@link #snapshot()}, and cannot miss a change.
 */
final class MemoryWrite {
  enum State {
    WRITING,
    COMMITTED,
    FAILED
  }

  /** An immutable view; {@code size} is -1 while unknown. */
  record Snapshot(State state, long stored, long size, @Nullable Throwable failure) {}

  private List<byte[]> chunks;
  private Snapshot current;
  private CompletableFuture<Void> change = new CompletableFuture<>();

  private MemoryWrite(List<byte[]> chunks, Snapshot current) {
    this.chunks = chunks;
    this.current = current;
  }

  static MemoryWrite writing(long expectedSize) {
    return new MemoryWrite(new ArrayList<>(), new Snapshot(State.WRITING, 0, expectedSize, null));
  }

  static MemoryWrite done(List<byte[]> chunks, long size) {
    return new MemoryWrite(chunks, new Snapshot(State.COMMITTED, size, size, null));
  }

  synchronized Snapshot snapshot() {
    return current;
  }

  synchronized CompletableFuture<Void> nextChange() {
    return change;
  }

  synchronized byte[] chunk(int index) {
    return chunks.get(index);
  }

  synchronized int chunkCount() {
    return chunks.size();
  }

  /** The chunks, for publishing; the list is not changed after the write ends. */
  synchronized List<byte[]> chunks() {
    return List.copyOf(chunks);
  }

  void append(byte[] chunk) {
    CompletableFuture<Void> fired;
    synchronized (this) {
      if (current.state() != State.WRITING) {
        return;
      }
      chunks.add(chunk);
      current = new Snapshot(State.WRITING, current.stored() + chunk.length, current.size(), null);
      fired = rearm();
    }
    fired.complete(null);
  }

  /**
   * Ends the write as {@code blob}: this write's own chunks, or those of a writer that committed
   * the same digest first (readers continue on them).
   */
  void committed(List<byte[]> blob, long size) {
    end(blob, new Snapshot(State.COMMITTED, size, size, null));
  }

  void failed(Throwable failure) {
    Snapshot s = snapshot();
    end(List.of(), new Snapshot(State.FAILED, s.stored(), s.size(), failure));
  }

  private void end(List<byte[]> finalChunks, Snapshot last) {
    CompletableFuture<Void> fired;
    synchronized (this) {
      if (current.state() != State.WRITING) {
        return; // the end is final
      }
      chunks = finalChunks;
      current = last;
      fired = rearm();
    }
    fired.complete(null);
  }

  private CompletableFuture<Void> rearm() {
    CompletableFuture<Void> fired = change;
    change = new CompletableFuture<>();
    return fired;
  }
}
