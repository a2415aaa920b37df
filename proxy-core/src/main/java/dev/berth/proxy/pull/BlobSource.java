package dev.berth.proxy.pull;

import dev.berth.storage.BlobReader;

/**
 * Where a blob request's bytes come from.
 *
 * <ul>
 *   <li>{@link Stored}: storage, a committed blob or a live download followed through storage;
 *   <li>{@link Live}: a live download's memory, falling back to storage when the client falls
 *       behind;
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

  /** What to serve instead when this source fails before the response started. */
  default Recovery recovery() {
    return Recovery.NONE;
  }

  record Stored(long size, BlobReader reader, boolean fromCache, Recovery recovery)
      implements BlobSource {
    public Stored(long size, BlobReader reader, boolean fromCache) {
      this(size, reader, fromCache, Recovery.NONE);
    }
  }

  record Live(LiveBlob blob, Recovery recovery) implements BlobSource {
    @Override
    public long size() {
      return blob.size();
    }

    @Override
    public boolean fromCache() {
      return false;
    }
  }

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
