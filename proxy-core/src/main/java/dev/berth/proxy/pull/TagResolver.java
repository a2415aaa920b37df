package dev.berth.proxy.pull;

import dev.berth.proxy.image.Reference;
import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.calls.ManifestHead;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.TagResolution;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Optional;

/**
 * Resolves tags at the upstream: one {@code HEAD} per (upstream, repository, tag) at a time, the
 * resolution recorded in storage and memory; refused at once while the upstream or repository backs
 * off (ImagePullBackOff) or the upstream answered 404 for the tag moments ago.
 */
final class TagResolver {
  private final UpstreamClient client;
  private final StorageAccess storage;
  private final Clock clock;
  private final ManifestMemory memory;
  private final ManifestFetcher fetcher;
  private final Backoff backoff;

  /** Upstream 404s of tags, remembered briefly so a crash-looping pod does not hammer upstream. */
  private final com.github.benmanes.caffeine.cache.Cache<String, UpstreamException> notFound;

  private final SingleFlight<String, ManifestDescriptor> resolutions = new SingleFlight<>();

  TagResolver(
      UpstreamClient client,
      StorageAccess storage,
      Clock clock,
      ManifestMemory memory,
      ManifestFetcher fetcher,
      Backoff backoff,
      java.time.Duration negativeTtl) {
    this.client = client;
    this.storage = storage;
    this.clock = clock;
    this.memory = memory;
    this.fetcher = fetcher;
    this.backoff = backoff;
    this.notFound =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .ticker(() -> java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .expireAfterWrite(negativeTtl)
            .maximumSize(100_000)
            .build();
  }

  long coalescedCount() {
    return resolutions.coalescedCount();
  }

  /**
   * Resolves a tag unless the upstream (or this repository) is backing off, or answered 404 for it
   * moments ago; records the outcome in both.
   */
  Future<ManifestDescriptor> guardedResolve(
      RoutedRepository repo, Reference.Tag tag, Candidates candidates) {
    String upstreamKey = repo.upstream().name();
    String repoKey = repo.toString();
    UpstreamException known = notFound.getIfPresent(repo + ":" + tag);
    if (known != null) {
      return Future.failedFuture(known);
    }
    Optional<UpstreamException> closed = backoff.refusal(upstreamKey, upstreamKey, repoKey);
    if (closed.isPresent()) {
      return Future.failedFuture(closed.get());
    }
    return resolve(repo, tag, candidates)
        .onSuccess(
            d -> {
              backoff.success(upstreamKey);
              backoff.success(repoKey);
            })
        .onFailure(
            e -> {
              if (e instanceof UpstreamException ue) {
                if (ue.kind() == UpstreamException.Kind.NOT_FOUND) {
                  notFound.put(repo + ":" + tag, ue);
                } else if (isTransient(ue)) {
                  backoff.failure(upstreamKey, ue.retryAfter());
                  backoff.failure(repoKey, ue.retryAfter());
                }
              }
            });
  }

  static boolean isTransient(Throwable e) {
    return e instanceof UpstreamException ue
        && (ue.kind() == UpstreamException.Kind.UNAVAILABLE
            || ue.kind() == UpstreamException.Kind.TOO_MANY_REQUESTS);
  }

  /** One upstream HEAD per tag at a time; records the resolution. */
  private Future<ManifestDescriptor> resolve(
      RoutedRepository repo, Reference.Tag tag, Candidates candidates) {
    String key = repo + ":" + tag;
    return resolutions.run(
        key,
        () ->
            client
                .call(repo, new ManifestHead(tag.value(), key), candidates)
                .compose(head -> descriptorFromHead(repo, tag, head, candidates))
                .compose(
                    descriptor ->
                        storage
                            .run(
                                () -> {
                                  TagResolution resolved =
                                      new TagResolution(descriptor.digest(), clock.instant());
                                  storage
                                      .tags()
                                      .put(
                                          repo.upstream().name(),
                                          repo.repository().value(),
                                          tag.value(),
                                          resolved);
                                  memory.tagStored(
                                      repo.upstream().name(),
                                      repo.repository().value(),
                                      tag.value(),
                                      resolved);
                                  return descriptor;
                                })
                            // A full disk loses the record, not the answer.
                            .recover(
                                e ->
                                    e instanceof DiskFullException
                                        ? Future.succeededFuture(descriptor)
                                        : Future.failedFuture(e))));
  }

  private Future<ManifestDescriptor> descriptorFromHead(
      RoutedRepository repo,
      Reference.Tag tag,
      Optional<ManifestHead.Descriptor> head,
      Candidates candidates) {
    if (head.isPresent()) {
      ManifestHead.Descriptor d = head.get();
      return Future.succeededFuture(new ManifestDescriptor(d.digest(), d.mediaType(), d.size()));
    }
    // No usable digest header: GET by tag and hash the body (the reference proxy does the same).
    return fetcher
        .getManifest(repo, tag.value(), null, candidates)
        .map(m -> new ManifestDescriptor(m.digest(), m.mediaType(), m.size()));
  }
}
