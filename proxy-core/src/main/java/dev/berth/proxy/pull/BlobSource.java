package dev.berth.proxy.pull;

import dev.berth.storage.BlobReader;

/**
 * Where a blob request's bytes come from.
 *
 * <ul>
 *   <li>{@link Stored}: storage, a committed blob or a live download followed through storage;
 *   <li>{@link Uncached}: the upstream's answer streamed through, not stored (cache writes paused,
 *       a blob too large for the disk, a proof by bytes);
 *   <li>{@link HeadOnly}: no bytes, for a {@code HEAD}.
 * </ul>
 */
public sealed interface BlobSource {
  /** The whole blob's size, -1 while unknown (a live download without Content-Length). */
  long size();

  /** Whether the blob was already committed when the request came. */
  boolean fromCache();

  record Stored(long size, BlobReader reader, boolean fromCache) implements BlobSource {}

  record Uncached(UncachedBlob blob) implements BlobSource {
    @Override
    public long size() {
      return blob.size();
    }

    @Override
    public boolean fromCache() {
      return false;
    }
  }

  record HeadOnly(long size, boolean fromCache) implements BlobSource {}
}
