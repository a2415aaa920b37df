package dev.berth.proxy.pull;

import dev.berth.storage.BlobReader;
import org.jspecify.annotations.Nullable;

/**
 * What a blob request is answered from: storage ({@code reader}), the upstream directly while cache
 * writes are paused ({@code uncached}), or neither for a {@code HEAD}.
 *
 * @param size the whole blob's size, -1 while unknown (a live download without Content-Length)
 * @param reader the bytes from storage
 * @param fromCache whether the blob was already committed when the request came
 * @param uncached the upstream's answer, streamed through without being stored
 */
public record BlobSource(
    long size, @Nullable BlobReader reader, boolean fromCache, @Nullable UncachedBlob uncached) {

  public BlobSource(long size, @Nullable BlobReader reader, boolean fromCache) {
    this(size, reader, fromCache, null);
  }
}
