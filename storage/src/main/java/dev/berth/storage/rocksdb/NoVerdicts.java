package dev.berth.storage.rocksdb;

import dev.berth.storage.AccessVerdict;
import dev.berth.storage.StorageException;
import dev.berth.storage.VerdictStore;
import java.time.Instant;
import java.util.Optional;

/** The verdicts of a read-only cache written before they were kept: none, and none written. */
final class NoVerdicts implements VerdictStore {
  static final VerdictStore INSTANCE = new NoVerdicts();

  private NoVerdicts() {}

  @Override
  public void put(String upstream, String repository, String subject, AccessVerdict v) {
    throw new StorageException("read-only cache: access verdicts are not written");
  }

  @Override
  public Optional<AccessVerdict> get(String upstream, String repository, String subject) {
    return Optional.empty();
  }

  @Override
  public int deleteCheckedBefore(Instant cutoff) {
    return 0;
  }

  @Override
  public byte[] subjectKey() {
    throw new StorageException("read-only cache written by an older berth: no verdict key");
  }
}
