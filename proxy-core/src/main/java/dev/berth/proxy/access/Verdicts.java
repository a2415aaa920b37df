package dev.berth.proxy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.storage.AccessVerdict;
import io.vertx.core.Future;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verdicts in memory in front of the {@link dev.berth.storage.VerdictStore}: a lookup reads storage
 * (on a worker) only the first time a key is asked for in this process; a recorded verdict goes to
 * both. A verdict that cannot be stored (a full disk) is still used from memory. Ages are judged by
 * the caller; nothing expires here but by size.
 */
final class Verdicts {
  private static final Logger log = LoggerFactory.getLogger(Verdicts.class);

  private final StorageAccess storage;
  private final Cache<String, Optional<AccessVerdict>> memory =
      Caffeine.newBuilder().maximumSize(200_000).build();

  Verdicts(StorageAccess storage) {
    this.storage = storage;
  }

  Future<Optional<AccessVerdict>> lookup(RoutedRepository repo, Subject subject) {
    String key = key(repo, subject);
    Optional<AccessVerdict> known = memory.getIfPresent(key);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    return storage.run(
        () -> {
          Optional<AccessVerdict> stored =
              storage.verdicts().get(upstream, repository, subject.key());
          // Absence is remembered too, so storage is read once per key.
          memory.asMap().putIfAbsent(key, stored);
          return stored;
        });
  }

  /**
   * Keeps {@code verdict}; completes once it is stored (or could not be: a full disk or a closing
   * store leaves it in memory only). Never fails.
   */
  Future<Void> record(RoutedRepository repo, Subject subject, AccessVerdict verdict) {
    Optional<AccessVerdict> previous = memory.asMap().put(key(repo, subject), Optional.of(verdict));
    boolean overturns = previous != null && previous.isPresent() && previous.get().allowed();
    if (subject.isClient() && !verdict.allowed() && !overturns) {
      // A client's refusal is kept on disk only to overturn a stored yes (a revoked password
      // must not read again after a restart during an outage). Otherwise it stands in for
      // nothing (without a verdict the client is refused or answered 503 all the same), and
      // anyone can make endless ones.
      return Future.succeededFuture();
    }
    if (!storage.writes().accepting()) {
      return Future.succeededFuture(); // the disk is full: memory carries it until writes resume
    }
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    return storage
        .<Void>run(
            () -> {
              storage.verdicts().put(upstream, repository, subject.key(), verdict);
              return null;
            })
        .recover(
            e -> {
              log.debug("access verdict for {} not stored: {}", repo, e.toString());
              return Future.succeededFuture();
            });
  }

  private static String key(RoutedRepository repo, Subject subject) {
    return repo.upstream().name() + '\0' + repo.repository().value() + '\0' + subject.key();
  }
}
