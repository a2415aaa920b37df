package dev.berth.storage.rocksdb;

import dev.berth.storage.Digest;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which blobs readers hold open, so eviction never deletes chunks under a reader. A reader takes a
 * lease before it looks up the blob; eviction claims a digest only while nobody holds one, and a
 * reader arriving during the eviction is told the blob is gone (it then fetches it again), so no
 * reader ever sees a blob vanish between chunks. Two map updates per reader: cheap next to one
 * chunk read.
 */
final class ReaderLeases {
  private static final int EVICTING = -1;

  private final ConcurrentHashMap<Digest, Integer> holders = new ConcurrentHashMap<>();

  /** Takes a lease; false when the digest is being evicted right now. */
  boolean acquire(Digest digest) {
    return holders.compute(digest, (d, n) -> n == null ? 1 : n == EVICTING ? EVICTING : n + 1)
        != EVICTING;
  }

  /** Returns a lease taken by {@link #acquire}; call once per successful acquire. */
  void release(Digest digest) {
    holders.computeIfPresent(digest, (d, n) -> n <= 1 ? null : n - 1);
  }

  /** Claims a digest for eviction; false while any reader holds it (or it is claimed already). */
  boolean claimForEviction(Digest digest) {
    return holders.putIfAbsent(digest, EVICTING) == null;
  }

  void endEviction(Digest digest) {
    holders.remove(digest, EVICTING);
  }

  /** Readers holding {@code digest} now. */
  int readers(Digest digest) {
    Integer n = holders.get(digest);
    return n == null || n == EVICTING ? 0 : n;
  }

  /** Leases held over all digests; zero once every reader is closed. */
  int total() {
    return holders.values().stream().mapToInt(n -> Math.max(n, 0)).sum();
  }
}
