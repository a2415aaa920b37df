package dev.berth.storage;

import java.nio.channels.FileChannel;

/**
 * Bytes of a blob that lie in one open file, for a server to hand to the kernel ({@code sendfile})
 * instead of reading them chunk by chunk. The channel belongs to the reader that returned it: it is
 * not closed by whoever sends it.
 *
 * @param offset where the bytes start in the file
 * @param length how many bytes
 */
public record FileSpan(FileChannel channel, long offset, long length) {}
