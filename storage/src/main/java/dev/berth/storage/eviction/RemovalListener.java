package dev.berth.storage.eviction;

import dev.berth.storage.Digest;

/**
 * Told what eviction and purges removed, so that copies held elsewhere (berth's in-memory manifest
 * and tag cache) are dropped with the stored ones. Called on the collecting thread.
 */
public interface RemovalListener {
  RemovalListener NONE = new RemovalListener() {};

  default void manifestRemoved(Digest digest) {}

  default void tagRemoved(String upstream, String repository, String tag) {}
}
