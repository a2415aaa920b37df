package dev.berth.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The end of a write is final: an append that races an abort (its chunk stored after the abort
 * marked the write failed) must not put the write back to "writing", or followers wait forever for
 * an end that already came (a hang seen in HostileUpstreamTest's endless body).
 */
class WriteProgressTest {
  @Test
  void aLateAdvance_doesNotUndoTheEnd() {
    WriteProgress progress = new WriteProgress(7, -1);
    progress.advance(1 << 20);
    IllegalStateException reason = new IllegalStateException("body larger than 2 MiB");
    progress.failed(reason);
    CompletableFuture<Void> next = progress.nextChange();

    progress.advance(2 << 20); // the racing append's chunk

    assertEquals(WriteProgress.State.FAILED, progress.snapshot().state());
    assertEquals(reason, progress.snapshot().failure());
    assertTrue(!next.isDone(), "nothing changed, so no follower is woken to wait again");
  }

  @Test
  void aCommittedWriteStaysCommitted() {
    WriteProgress progress = new WriteProgress(7, 10);
    progress.committed(10, 7);
    progress.failed(new IllegalStateException("late"));
    assertEquals(WriteProgress.State.COMMITTED, progress.snapshot().state());
  }
}
