package dev.berth.storage.s3;

import dev.berth.storage.Digest;
import dev.berth.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Keeps a store's index of one bucket prefix in step with what other replicas put in and took out:
 * listed at open, and again by {@link #refresh} once the last listing is older than {@link
 * #RELIST_AFTER}. A listing adds what it shows and drops what it does not, but only entries the
 * index held before the listing began (this replica's own publish meanwhile stays). No time is
 * compared with the bucket's: the clocks need not agree.
 *
 * @param <V> the index's entry
 */
final class BucketListing<V> {
  private static final Logger log = LoggerFactory.getLogger(BucketListing.class);

  /** How old the last listing may be when eviction or gc asks for the store's view. */
  static final Duration RELIST_AFTER = Duration.ofMinutes(1);

  private final S3Objects objects;
  private final String prefix;
  private final Map<Digest, V> index;
  private final BiConsumer<Digest, S3Object> add;
  private final BiConsumer<Digest, V> drop;
  private final Clock clock;
  private volatile Instant listedAt;

  /**
   * Lists the prefix once now.
   *
   * @param add records a listed object (the store keeps its own totals)
   * @param drop removes an entry the listing did not show, if it is still that entry
   * @throws StorageException when the bucket cannot be listed
   */
  BucketListing(
      S3Objects objects,
      String prefix,
      Map<Digest, V> index,
      BiConsumer<Digest, S3Object> add,
      BiConsumer<Digest, V> drop,
      Clock clock) {
    this.objects = objects;
    this.prefix = prefix;
    this.index = index;
    this.add = add;
    this.drop = drop;
    this.clock = clock;
    this.listedAt = list();
  }

  /** Lists again if the last listing is stale; a failure leaves the index as it was (logged). */
  void refresh() {
    if (clock.instant().isBefore(listedAt.plus(RELIST_AFTER))) {
      return;
    }
    try {
      listedAt = list();
    } catch (StorageException e) {
      log.warn(
          "listing the bucket under {} failed, using what this replica knows: {}",
          prefix,
          e.getMessage());
    }
  }

  private Instant list() {
    Instant started = clock.instant();
    Map<Digest, V> before = Map.copyOf(index);
    Set<Digest> listed = new HashSet<>();
    objects.list(
        prefix,
        o ->
            S3Keys.digestOf(prefix, o.key())
                .ifPresent(
                    d -> {
                      listed.add(d);
                      add.accept(d, o);
                    }));
    before.forEach(
        (digest, known) -> {
          if (!listed.contains(digest)) {
            drop.accept(digest, known);
          }
        });
    return started;
  }
}
