package dev.berth.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ChunkBuffersTest {
  private final ChunkBuffers buffers = new ChunkBuffers(4096, 2);

  @Test
  void aReturnedBufferIsReusedCleared() {
    ByteBuffer first = buffers.take(4096);
    assertTrue(first.isDirect());
    first.position(100).limit(200);
    buffers.give(first);

    ByteBuffer again = buffers.take(4096);

    assertSame(first, again);
    assertEquals(0, again.position());
    assertEquals(4096, again.limit());
  }

  @Test
  void theIdlePoolIsBounded_andOtherSizesAreNotPooled() {
    ByteBuffer a = buffers.take(4096);
    ByteBuffer b = buffers.take(4096);
    ByteBuffer c = buffers.take(4096);
    buffers.give(a);
    buffers.give(b);
    buffers.give(c); // dropped: two idle at most

    ByteBuffer odd = buffers.take(8192);
    assertEquals(8192, odd.capacity());
    buffers.give(odd);

    assertSame(a, buffers.take(4096));
    assertSame(b, buffers.take(4096));
    ByteBuffer fresh = buffers.take(4096);
    assertNotSame(c, fresh);
    assertNotSame(odd, fresh);
  }

  @Test
  void fill_movesWhatFits_andAdvancesBoth() {
    ByteBuffer into = ByteBuffer.allocate(5);
    into.put((byte) 9);
    ByteBuffer from = ByteBuffer.wrap(new byte[] {0, 1, 2, 3, 4, 5, 6});
    from.position(1);

    ChunkBuffers.fill(into, from);

    assertEquals(5, into.position());
    assertEquals(5, from.position());
    assertEquals(java.util.List.of((byte) 9, (byte) 1, (byte) 2, (byte) 3, (byte) 4), bytes(into));
    ChunkBuffers.fill(into, from); // full: nothing moves
    assertEquals(5, from.position());
  }

  @Test
  void alignedBuffers_startAtTheAlignment() {
    ByteBuffer b = new ChunkBuffers(8192, 1, 4096).take(8192);
    assertEquals(8192, b.capacity());
    assertEquals(0, b.alignmentOffset(0, 4096));
  }

  private static java.util.List<Byte> bytes(ByteBuffer b) {
    java.util.List<Byte> out = new java.util.ArrayList<>();
    for (int i = 0; i < b.position(); i++) {
      out.add(b.get(i));
    }
    return out;
  }
}
