package dev.berth.storage.rocksdb;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * What followers of a live write can see: how many bytes are stored, whether it ended and how.
 * Every change completes the current {@link #nextChange()} future and arms a new one, so a follower
 * takes the future first, then reads a {@link #snapshot()}, and cannot miss a change.
 */
final class WriteProgress {
  enum State {
    WRITING,
    COMMITTED,
    FAILED
  }

  /** An immutable view; {@code size} is -1 while unknown. */
  record Snapshot(
      State state, long durable, long size, long generation, @Nullable Throwable failure) {}

  private Snapshot current;
  private CompletableFuture<Void> change = new CompletableFuture<>();

  WriteProgress(long generation, long expectedSize) {
    this.current = new Snapshot(State.WRITING, 0, expectedSize, generation, null);
  }

  synchronized Snapshot snapshot() {
    return current;
  }

  synchronized CompletableFuture<Void> nextChange() {
    return change;
  }

  void advance(long durable) {
    update(new Snapshot(State.WRITING, durable, current.size(), current.generation(), null));
  }

  void committed(long size, long generation) {
    update(new Snapshot(State.COMMITTED, size, size, generation, null));
  }

  void failed(Throwable failure) {
    Snapshot s = snapshot();
    update(new Snapshot(State.FAILED, s.durable(), s.size(), s.generation(), failure));
  }

  private void update(Snapshot next) {
    CompletableFuture<Void> fired;
    synchronized (this) {
      if (current.state() != State.WRITING) {
        // The end is final: a late advance (an append racing an abort) must not make followers
        // wait again for a write that is over.
        return;
      }
      current = next;
      fired = change;
      change = new CompletableFuture<>();
    }
    fired.complete(null);
  }
}
