package dev.berth.proxy.pull;

import io.netty.buffer.ByteBuf;

/** What a reader of a live download's memory ({@link LiveBlob#next}) found. */
public sealed interface LiveRead {
  /** Bytes to send: a retained slice the caller writes (and so releases). */
  record Bytes(ByteBuf bytes) implements LiveRead {}

  /** Nothing yet: the reader's listener runs when there is. */
  record Wait() implements LiveRead {}

  /** The reader's range is fully read. */
  record End() implements LiveRead {}

  /** The bytes at {@code position} left memory: continue from storage there. */
  record Behind(long position) implements LiveRead {}

  /** The download failed. */
  record Failed(Throwable cause) implements LiveRead {}
}
