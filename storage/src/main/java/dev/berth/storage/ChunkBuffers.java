package dev.berth.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Direct buffers of one chunk each, reused: a response reads a blob from RocksDB straight into one
 * and writes it from there to the socket, so its bytes never pass through the Java heap; a RocksDB
 * write gathers its chunks in one. A fresh direct buffer is zeroed and freed only by the garbage
 * collector's cleaner, a cost every cold blob paid for its writer's buffer.
 *
 * <p>Why not Netty's pooled allocator: with one chunk-sized buffer in use per response, its arenas
 * kept returning whole chunks to the system and zeroing fresh ones, which cost more CPU than the
 * copies saved. A plain queue of idle buffers, bounded so that a burst does not pin memory, does
 * better (benchmarks/RESULTS.md, issue 6).
 */
public final class ChunkBuffers {
  private final int chunkSize;
  private final int alignment;
  private final ArrayBlockingQueue<ByteBuffer> idle;

  /**
   * @param maxIdle how many idle buffers are kept; more in use at once are allocated, and dropped
   *     to the garbage collector when returned to a full pool
   */
  public ChunkBuffers(int chunkSize, int maxIdle) {
    this(chunkSize, maxIdle, 1);
  }

  /**
   * @param alignment the address every direct buffer starts at is a multiple of this (direct I/O
   *     needs the file system's block alignment)
   */
  public ChunkBuffers(int chunkSize, int maxIdle, int alignment) {
    this.chunkSize = chunkSize;
    this.alignment = alignment;
    this.idle = new ArrayBlockingQueue<>(maxIdle);
  }

  /** A cleared buffer of at least {@code size} bytes. Thread-safe. */
  public ByteBuffer take(int size) {
    if (size == chunkSize) {
      ByteBuffer buffer = idle.poll();
      if (buffer != null) {
        return buffer.clear();
      }
    }
    try {
      if (alignment == 1) {
        return ByteBuffer.allocateDirect(size);
      }
      return ByteBuffer.allocateDirect(size + alignment)
          .alignedSlice(alignment)
          .limit(size)
          .slice();
    } catch (OutOfMemoryError directMemoryExhausted) {
      // Past -XX:MaxDirectMemorySize (thousands of streams at once): serve from the heap, slower
      // by one copy, rather than fail the request.
      return ByteBuffer.allocate(size);
    }
  }

  /**
   * Moves as many bytes as fit from {@code from} into {@code into} (a writer gathering appended
   * bytes into its chunk buffer), advancing both positions.
   */
  public static void fill(ByteBuffer into, ByteBuffer from) {
    int n = Math.min(into.remaining(), from.remaining());
    into.put(into.position(), from, from.position(), n);
    into.position(into.position() + n);
    from.position(from.position() + n);
  }

  /** Gives a buffer back once nothing reads it any more. Thread-safe. */
  public void give(ByteBuffer buffer) {
    if (buffer.isDirect() && buffer.capacity() == chunkSize) {
      idle.offer(buffer);
    }
  }
}
