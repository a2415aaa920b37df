package dev.berth.storage;

import java.util.Optional;

/**
 * Access verdicts keyed by (upstream, repository, subject). A subject is an opaque string the
 * caller chooses ({@code public}, {@code node}, or a keyed hash of a client credential); the store
 * never sees a secret and does not interpret subjects. Verdicts are small and few (one per
 * repository and identity), kept across restarts, and not counted against {@code storage.max-size}.
 * Blocking; thread-safe.
 */
public interface VerdictStore {

  void put(String upstream, String repository, String subject, AccessVerdict verdict);

  Optional<AccessVerdict> get(String upstream, String repository, String subject);

  /**
   * Removes verdicts checked before {@code cutoff}: past every upstream's {@code max-stale} they
   * can no longer stand in for anything, and keeping them would let the store grow with every
   * repository name ever asked for.
   *
   * @return how many were removed
   */
  int deleteCheckedBefore(java.time.Instant cutoff);

  /**
   * A random 32-byte key created once per cache and kept with it: callers key client subjects with
   * it (HMAC), so that a stored subject cannot be tested against guessed passwords without also
   * holding this cache.
   */
  byte[] subjectKey();
}
