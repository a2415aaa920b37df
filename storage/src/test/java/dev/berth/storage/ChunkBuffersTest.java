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
}
