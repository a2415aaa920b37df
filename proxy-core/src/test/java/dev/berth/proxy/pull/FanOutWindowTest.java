package dev.berth.proxy.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The rules of a live download's memory (issue 14): fan-out first, storage behind, bounded. */
class FanOutWindowTest {
  private static final int MIB = 1 << 20;

  /** Smaller than production's blocks, so that the bounds below are tight. */
  private static final int BLOCK = 256 << 10;

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Reads everything the cursor has now; returns what it stopped on. */
  private static LiveRead drain(FanOutWindow.Cursor c, ByteArrayOutputStream into) {
    while (true) {
      LiveRead r = c.next(64 << 10);
      if (!(r instanceof LiveRead.Bytes b)) {
        return r;
      }
      byte[] out = new byte[b.bytes().readableBytes()];
      b.bytes().readBytes(out);
      b.bytes().release();
      into.writeBytes(out);
    }
  }

  /** What the writer does: append everything not appended yet. */
  private static void write(FanOutWindow w) {
    List<ByteBuf> batch = w.unappended();
    long n = 0;
    for (ByteBuf b : batch) {
      n += b.readableBytes();
      b.release();
    }
    w.appended(n);
  }

  @Test
  void readers_getBytesBeforeTheWriterStoresThem_lastByteWaitsForTheDigest() {
    byte[] blob = bytes(3 * MIB + 17, 1);
    FanOutMemory memory = new FanOutMemory(64L * MIB);
    FanOutWindow w = new FanOutWindow(blob.length, 8L * MIB, memory, BLOCK);
    FanOutWindow.Cursor c = w.open(0, blob.length);
    assertNotNull(c);
    AtomicInteger woken = new AtomicInteger();
    c.listen(woken::incrementAndGet);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    assertInstanceOf(LiveRead.Wait.class, drain(c, got));

    assertFalse(w.add(Buffer.buffer(blob)), "a writer within its window does not pause");
    w.end();
    assertEquals(1, woken.get(), "the waiting reader is told");
    assertInstanceOf(LiveRead.Wait.class, drain(c, got), "the last byte waits for the digest");
    assertEquals(blob.length - 1, got.size(), "everything but the last byte, nothing stored yet");

    write(w);
    w.verified();
    assertInstanceOf(LiveRead.End.class, drain(c, got));
    assertArrayEquals(blob, got.toByteArray());
    c.close();
    assertEquals(0, memory.used(), "committed, no reader left: every block freed");
  }

  @Test
  void upstreamPauses_onlyWhileTheWriterIsAWindowBehind() {
    FanOutMemory memory = new FanOutMemory(64L * MIB);
    FanOutWindow w = new FanOutWindow(16L * MIB, 2L * MIB, memory, BLOCK);
    assertFalse(w.add(Buffer.buffer(bytes(2 * MIB, 2))));
    assertTrue(w.add(Buffer.buffer(bytes(1024, 3))), "the writer is more than the window behind");
    write(w);
    assertFalse(w.writerBehind(), "caught up: the upstream may resume");
  }

  @Test
  void slowReader_fallsBehindToStorage_fastReaderAndUpstreamGoOn() {
    byte[] blob = bytes(6 * MIB, 4);
    FanOutMemory memory = new FanOutMemory(64L * MIB);
    FanOutWindow w = new FanOutWindow(blob.length, 2L * MIB, memory, BLOCK);
    FanOutWindow.Cursor fast = w.open(0, blob.length);
    FanOutWindow.Cursor slow = w.open(0, blob.length);
    assertNotNull(fast);
    assertNotNull(slow);
    ByteArrayOutputStream fastGot = new ByteArrayOutputStream();
    for (int i = 0; i < 6; i++) {
      // A MiB arrives, the writer stores it, the fast reader takes it; the slow one reads nothing.
      assertFalse(
          w.add(Buffer.buffer(java.util.Arrays.copyOfRange(blob, i * MIB, (i + 1) * MIB))),
          "never paused for a reader");
      write(w);
      drain(fast, fastGot);
      assertTrue(memory.used() <= 2L * MIB + BLOCK, "held " + memory.used());
    }
    w.end();
    w.verified();
    assertInstanceOf(LiveRead.End.class, drain(fast, fastGot));
    assertArrayEquals(blob, fastGot.toByteArray());

    LiveRead r = slow.next(64 << 10);
    LiveRead.Behind behind = assertInstanceOf(LiveRead.Behind.class, r);
    assertEquals(0, behind.position(), "continues from storage where it stopped");
    assertEquals(1, memory.fallbacks());
    fast.close();
    slow.close();
    assertEquals(0, memory.used());
  }

  @Test
  void lateJoiner_whoseStartLeftMemory_isSentToStorage() {
    FanOutMemory memory = new FanOutMemory(64L * MIB);
    FanOutWindow w = new FanOutWindow(4L * MIB, 8L * MIB, memory, BLOCK);
    w.add(Buffer.buffer(bytes(2 * MIB, 5)));
    write(w); // stored, and no reader wants it: dropped
    assertNull(w.open(0, 4L * MIB));
    assertNotNull(w.open(2L * MIB, 4L * MIB), "a range from what is still to come reads memory");
  }

  @Test
  void memoryCap_isSharedByAllDownloads_readersOverItReadStorage() {
    FanOutMemory memory = new FanOutMemory(3L * MIB);
    FanOutWindow a = new FanOutWindow(8L * MIB, 2L * MIB, memory, BLOCK);
    FanOutWindow b = new FanOutWindow(8L * MIB, 2L * MIB, memory, BLOCK);
    FanOutWindow.Cursor slowA = a.open(0, 8L * MIB);
    FanOutWindow.Cursor slowB = b.open(0, 8L * MIB);
    assertNotNull(slowA);
    assertNotNull(slowB);
    for (int i = 0; i < 8; i++) {
      a.add(Buffer.buffer(bytes(MIB / 2, 10 + i)));
      b.add(Buffer.buffer(bytes(MIB / 2, 20 + i)));
      write(a);
      write(b);
    }
    // Over the cap only what the writers have not stored yet stays (half a MiB each here): without
    // the cap each window would keep its 2 MiB for its slow reader, 5 MiB in all.
    long bound = 3L * MIB + 2 * (MIB / 2 + BLOCK);
    assertTrue(memory.peak() <= bound, "peak " + memory.peak());
    assertInstanceOf(LiveRead.Behind.class, slowA.next(1024), "over the cap: storage");
    assertInstanceOf(LiveRead.Behind.class, slowB.next(1024));
  }

  @Test
  void stalledReaderOfOneDownload_neitherPausesNorStarvesAnother() {
    FanOutMemory memory = new FanOutMemory(3L * MIB);
    FanOutWindow stuck = new FanOutWindow(16L * MIB, 2L * MIB, memory, BLOCK);
    FanOutWindow.Cursor never = stuck.open(0, 16L * MIB);
    assertNotNull(never);
    stuck.add(Buffer.buffer(bytes(2 * MIB, 30)));
    write(stuck); // stored; kept in memory only for a client that never reads again
    assertEquals(2L * MIB, memory.used());

    FanOutWindow other = new FanOutWindow(16L * MIB, 2L * MIB, memory, BLOCK);
    for (int i = 0; i < 4; i++) {
      // Its writer is a little behind (2 MiB in all, within its window and under the cap).
      assertFalse(
          other.add(Buffer.buffer(bytes(MIB / 2, 31 + i))),
          "no pause for a stranger's stalled client");
    }
    assertTrue(
        memory.used() <= 3L * MIB, "over the cap the stalled client's blocks go: " + memory.used());
    assertInstanceOf(LiveRead.Behind.class, never.next(1024), "it continues from storage");
    write(other);
    assertFalse(other.writerBehind());
  }

  @Test
  void overTheCap_aDownloadWhoseWriterLagsPauses() {
    FanOutMemory memory = new FanOutMemory(MIB);
    FanOutWindow w = new FanOutWindow(8L * MIB, MIB, memory, BLOCK);
    assertTrue(w.add(Buffer.buffer(bytes(MIB + 1, 6))));
    write(w);
    assertFalse(w.writerBehind());
  }

  @Test
  void failure_reachesEveryReader_andFreesMemoryAtOnce() {
    FanOutMemory memory = new FanOutMemory(64L * MIB);
    FanOutWindow w = new FanOutWindow(4L * MIB, 8L * MIB, memory, BLOCK);
    FanOutWindow.Cursor c = w.open(0, 4L * MIB);
    assertNotNull(c);
    w.add(Buffer.buffer(bytes(MIB, 7)));
    LiveRead first = c.next(1024);
    ((LiveRead.Bytes) first).bytes().release();
    RuntimeException wrong = new RuntimeException("digest mismatch");
    w.failed(wrong);
    assertEquals(0, memory.used());
    LiveRead.Failed f = assertInstanceOf(LiveRead.Failed.class, c.next(1024));
    assertEquals(wrong, f.cause());
    assertNull(w.open(0, 4L * MIB));
  }
}
