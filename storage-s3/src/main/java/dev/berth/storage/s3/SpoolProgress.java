package dev.berth.storage.s3;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * How far a write's spool file is written, and how the write ended. Every change completes the
 * current {@link #nextChange()} and arms a new one, so a follower takes the future first, then a
 * {@link #snapshot()}, and cannot miss a change.
 */
final class SpoolProgress {
  enum State {
    WRITING,
    COMMITTED,
    FAILED
  }

  /** An immutable view; {@code size} is -1 while unknown. */
  record Snapshot(State state, long spooled, long size, @Nullable Throwable failure) {}

  private Snapshot current;
  private CompletableFuture<Void> change = new CompletableFuture<>();

  SpoolProgress(long expectedSize) {
    current = new Snapshot(State.WRITING, 0, expectedSize, null);
  }

  synchronized Snapshot snapshot() {
    return current;
  }

  synchronized CompletableFuture<Void> nextChange() {
    return change;
  }

  void spooled(long bytes) {
    update(new Snapshot(State.WRITING, bytes, current.size(), null));
  }

  void committed(long size) {
    update(new Snapshot(State.COMMITTED, size, size, null));
  }

  void failed(Throwable failure) {
    Snapshot s = snapshot();
    update(new Snapshot(State.FAILED, s.spooled(), s.size(), failure));
  }

  private void update(Snapshot next) {
    CompletableFuture<Void> fired;
    synchronized (this) {
      if (current.state() != State.WRITING) {
        return; // the end is final
      }
      current = next;
      fired = change;
      change = new CompletableFuture<>();
    }
    fired.complete(null);
  }
}
