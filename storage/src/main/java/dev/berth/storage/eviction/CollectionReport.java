package dev.berth.storage.eviction;

import dev.berth.storage.Digest;
import java.util.List;

/**
 * What one eviction run, purge or orphan sweep did.
 *
 * @param blobsRemoved blobs deleted
 * @param blobBytesRemoved their bytes
 * @param manifestsRemoved manifests deleted (by themselves or with a blob they referenced)
 * @param manifestBytesRemoved their bytes
 * @param tagsRemoved tag resolutions deleted (they pointed at a deleted manifest, or were purged)
 * @param linksRemoved repository links deleted
 * @param inUse blobs that would have gone but had readers, so stayed
 * @param pinned content that would have gone but is pinned, so stayed (purges only)
 * @param storedBytesAfter blob and manifest bytes stored when the run ended
 */
public record CollectionReport(
    long blobsRemoved,
    long blobBytesRemoved,
    long manifestsRemoved,
    long manifestBytesRemoved,
    long tagsRemoved,
    long linksRemoved,
    List<Digest> inUse,
    List<String> pinned,
    long storedBytesAfter) {

  /** A run that found nothing to do. */
  public static final CollectionReport NOTHING =
      new CollectionReport(0, 0, 0, 0, 0, 0, List.of(), List.of(), 0);

  public CollectionReport {
    inUse = List.copyOf(inUse);
    pinned = List.copyOf(pinned);
  }

  public long bytesRemoved() {
    return blobBytesRemoved + manifestBytesRemoved;
  }

  public boolean removedAnything() {
    return blobsRemoved + manifestsRemoved + tagsRemoved + linksRemoved > 0;
  }
}
