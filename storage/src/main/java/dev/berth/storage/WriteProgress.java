package dev.berth.storage;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * What followers of a live write can see, for every store: how many bytes are stored, whether it
 * ended and how. Every change completes the current {@link #nextChange()} future and arms a new
 * one, so a follower takes the future first, then reads a {@link #snapshot()}, and cannot miss a
 * change. The end is final: a late {@link #advance} (an append racing an abort) changes nothing.
 */
public final class WriteProgress {
  public enum State {
    WRITING,
    COMMITTED,
    FAILED
  }

  /**
   * An immutable view.
   *
   * @param stored bytes from the start a follower may read
   * @param size the blob's size, -1 while unknown
   * @param generation which of a store's writes of this digest the bytes belong to (0 where a store
   *     has one)
   */
  public record Snapshot(
      State state, long stored, long size, long generation, @Nullable Throwable failure) {}

  private Snapshot current;
  private CompletableFuture<Void> change = new CompletableFuture<>();

  public WriteProgress(long generation, long expectedSize) {
    this(new Snapshot(State.WRITING, 0, expectedSize, generation, null));
  }

  private WriteProgress(Snapshot current) {
    this.current = current;
  }

  /** The progress of a blob already committed, for readers of a stored blob. */
  public static WriteProgress done(long size) {
    return new WriteProgress(new Snapshot(State.COMMITTED, size, size, 0, null));
  }

  public synchronized Snapshot snapshot() {
    return current;
  }

  public synchronized CompletableFuture<Void> nextChange() {
    return change;
  }

  public void advance(long stored) {
    Snapshot s = snapshot();
    update(new Snapshot(State.WRITING, stored, s.size(), s.generation(), null));
  }

  /** Committed as {@code generation}: this write's, or that of a writer that committed first. */
  public void committed(long size, long generation) {
    update(new Snapshot(State.COMMITTED, size, size, generation, null));
  }

  public void failed(Throwable failure) {
    Snapshot s = snapshot();
    update(new Snapshot(State.FAILED, s.stored(), s.size(), s.generation(), failure));
  }

  private void update(Snapshot next) {
    CompletableFuture<Void> fired;
    synchronized (this) {
      if (current.state() != State.WRITING) {
        return;
      }
      current = next;
      fired = change;
      change = new CompletableFuture<>();
    }
    fired.complete(null);
  }
}
