package dev.berth.storage.memory;

import dev.berth.storage.AccessVerdict;
import dev.berth.storage.VerdictStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** {@link VerdictStore} in the heap, with a random subject key per store as on disk. */
public final class MemoryVerdictStore implements VerdictStore {
  private final ConcurrentSkipListMap<Key, AccessVerdict> verdicts = new ConcurrentSkipListMap<>();
  private final byte[] subjectKey = new byte[32];

  public MemoryVerdictStore() {
    new SecureRandom().nextBytes(subjectKey);
  }

  @Override
  public void put(String upstream, String repository, String subject, AccessVerdict verdict) {
    verdicts.put(new Key(upstream, repository, subject), verdict);
  }

  @Override
  public Optional<AccessVerdict> get(String upstream, String repository, String subject) {
    return Optional.ofNullable(verdicts.get(new Key(upstream, repository, subject)));
  }

  @Override
  public int deleteCheckedBefore(Instant cutoff) {
    int before = verdicts.size();
    verdicts.values().removeIf(v -> v.checkedAt().isBefore(cutoff));
    return before - verdicts.size();
  }

  @Override
  public byte[] subjectKey() {
    return subjectKey.clone();
  }
}
