package dev.berth.proxy.pull;

import dev.berth.proxy.image.Reference;
import dev.berth.proxy.policy.PullPolicy;
import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.storage.Digest;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import dev.berth.storage.eviction.RemovalListener;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Optional;

/**
 * Answers manifest requests under the pull policies (docs/design.md item 4): what a tag request
 * needs comes from {@link TagAction}; the upstream is asked through {@link TagResolver} (tags) and
 * {@link ManifestFetcher} (manifests by digest); this class decides between storage, memory and
 * those two, and serves a stale resolution when the upstream fails (stale-if-error).
 */
public final class ManifestService {
  private final StorageAccess storage;
  private final LinkProof links;
  private final Clock clock;
  private final java.util.function.Consumer<Boolean> tagCacheResult;
  private final Runnable staleServed;
  private final ManifestMemory memory = new ManifestMemory();
  private final ManifestFetcher fetcher;
  private final TagResolver resolver;

  /**
   * @param tagCacheResult told, per tag request, whether the cached resolution answered it ({@code
   *     true}) or the upstream was asked ({@code false})
   */
  public ManifestService(
      UpstreamClient client,
      StorageAccess storage,
      Clock clock,
      java.util.function.Consumer<Boolean> tagCacheResult) {
    this(client, storage, clock, tagCacheResult, new Backoff(clock), () -> {}, NEGATIVE_TTL);
  }

  /** How long an upstream 404 for a tag is remembered. */
  public static final java.time.Duration NEGATIVE_TTL = java.time.Duration.ofSeconds(30);

  /**
   * @param backoff closes an upstream (and a repository) for revalidations after failures
   * @param staleServed told each time a stale resolution is served
   * @param negativeTtl how long an upstream 404 of a tag is remembered
   */
  public ManifestService(
      UpstreamClient client,
      StorageAccess storage,
      Clock clock,
      java.util.function.Consumer<Boolean> tagCacheResult,
      Backoff backoff,
      Runnable staleServed,
      java.time.Duration negativeTtl) {
    this.staleServed = staleServed;
    this.storage = storage;
    this.links = new LinkProof(client, storage);
    this.clock = clock;
    this.tagCacheResult = tagCacheResult;
    this.fetcher = new ManifestFetcher(client, storage, clock, memory);
    this.resolver = new TagResolver(client, storage, clock, memory, fetcher, backoff, negativeTtl);
  }

  /** Concurrent callers that shared another caller's upstream resolution or fetch. */
  public long coalescedCount() {
    return resolver.coalescedCount() + fetcher.coalescedCount();
  }

  /**
   * The manifest for {@code reference}.
   *
   * @param headOnly the client sent {@code HEAD}: the bytes are not needed when the upstream's
   *     {@code HEAD} already answered (a Docker Hub pull is not spent)
   */
  public Future<ServedManifest> get(
      RoutedRepository repo, Reference reference, boolean headOnly, Candidates candidates) {
    if (reference instanceof Reference.DigestReference d) {
      return byDigest(
          repo, d.digest(), repo.upstream().policies().isCacheOnly(repo.repository()), candidates);
    }
    return byTag(repo, (Reference.Tag) reference, headOnly, candidates);
  }

  private Future<ServedManifest> byTag(
      RoutedRepository repo, Reference.Tag tag, boolean headOnly, Candidates candidates) {
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    Optional<TagResolution> remembered = memory.tag(upstream, repository, tag.value());
    Future<Optional<TagResolution>> resolution =
        remembered.isPresent()
            ? Future.succeededFuture(remembered)
            : storage.run(
                () -> {
                  Optional<TagResolution> stored =
                      storage.tags().get(upstream, repository, tag.value());
                  stored.ifPresent(r -> memory.tagStored(upstream, repository, tag.value(), r));
                  return stored;
                });
    return resolution.compose(
        cached -> {
          PullPolicy policy = repo.upstream().policies().policyFor(repo.repository());
          TagAction action =
              TagAction.decide(policy, tag, cached.map(TagResolution::resolvedAt), clock.instant());
          tagCacheResult.accept(action != TagAction.RESOLVE_UPSTREAM && cached.isPresent());
          switch (action) {
            case USE_CACHED:
              return byDigest(repo, cached.orElseThrow().digest(), false, candidates);
            case CACHE_ONLY:
              if (cached.isEmpty()) {
                return Future.failedFuture(
                    new NotCachedException(
                        repo + ":" + tag + " is not cached and the pull policy is never"));
              }
              return byDigest(repo, cached.get().digest(), true, candidates);
            default:
              return resolver
                  .guardedResolve(repo, tag, candidates)
                  .compose(descriptor -> serveResolved(repo, descriptor, headOnly, candidates))
                  .recover(e -> staleIfError(repo, tag, cached, e, candidates));
          }
        });
  }

  private Future<ServedManifest> serveResolved(
      RoutedRepository repo,
      ManifestDescriptor descriptor,
      boolean headOnly,
      Candidates candidates) {
    return storage
        .run(
            () -> {
              Optional<StoredManifest> stored = storage.manifests().get(descriptor.digest());
              // The upstream just said this repository has it: cached through another
              // repository, it now belongs to this one too (purges and listings by repository,
              // and the link check of later requests by digest, see it).
              stored.ifPresent(
                  m -> {
                    String upstream = repo.upstream().name();
                    String repository = repo.repository().value();
                    if (storage.writes().accepting()
                        && !storage.links().isLinked(upstream, repository, m.digest())) {
                      fetcher.linkWithReferences(repo, m.digest(), m.bytes());
                    }
                    memory.linked(upstream, repository, m.digest());
                  });
              return stored;
            })
        .compose(
            stored -> {
              if (stored.isPresent()) {
                return Future.succeededFuture(served(stored.get(), ServedManifest.Source.CACHE));
              }
              if (headOnly) {
                return Future.succeededFuture(
                    new ServedManifest(descriptor, null, ServedManifest.Source.UPSTREAM));
              }
              return fetcher
                  .fetch(repo, descriptor.digest(), candidates)
                  .map(m -> served(m, ServedManifest.Source.UPSTREAM));
            });
  }

  private Future<ServedManifest> byDigest(
      RoutedRepository repo, Digest digest, boolean cacheOnly, Candidates candidates) {
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    Optional<StoredManifest> inMemory = memory.linkedManifest(upstream, repository, digest);
    if (inMemory.isPresent()) {
      storage.manifests().touch(digest); // an in-memory note: eviction sees this use
      return Future.succeededFuture(served(inMemory.get(), ServedManifest.Source.CACHE));
    }
    return storage
        .run(
            () ->
                storage
                    .manifests()
                    .get(digest)
                    .map(
                        m -> {
                          boolean linked = storage.links().isLinked(upstream, repository, digest);
                          memory.manifestStored(m);
                          if (linked) {
                            memory.linked(upstream, repository, digest);
                          }
                          return new Linked<>(
                              m,
                              linked,
                              linked || LinkProof.fromSameServer(storage.links(), repo, digest));
                        }))
        .compose(
            stored -> {
              if (stored.isPresent() && stored.get().linked()) {
                return Future.succeededFuture(
                    served(stored.get().value(), ServedManifest.Source.CACHE));
              }
              if (stored.isPresent() && !cacheOnly && stored.get().sameUpstream()) {
                // Cached through another repository of this upstream: a HEAD through this one
                // proves it has it too. From another upstream, only a GET whose bytes hash to the
                // digest does (below): an upstream that answers 200 to every HEAD would otherwise
                // open other tenants' content (issue 13, defect 6).
                return links
                    .proveManifest(repo, digest, candidates)
                    .map(v -> served(stored.get().value(), ServedManifest.Source.CACHE));
              }
              if (cacheOnly) {
                return Future.failedFuture(
                    new NotCachedException(
                        repo + "@" + digest + " is not cached and the pull policy is never"));
              }
              return fetcher
                  .fetch(repo, digest, candidates)
                  .map(m -> served(m, ServedManifest.Source.UPSTREAM));
            });
  }

  /**
   * @param linked the content belongs to the requested repository
   * @param sameUpstream it belongs to some repository of the requested repository's upstream
   */
  private record Linked<T>(T value, boolean linked, boolean sameUpstream) {}

  /**
   * Stale-if-error: when revalidating a tag fails for a transient reason, its last known resolution
   * is served if it is younger than the upstream's {@code max-stale}.
   */
  private Future<ServedManifest> staleIfError(
      RoutedRepository repo,
      Reference.Tag tag,
      Optional<TagResolution> cached,
      Throwable failure,
      Candidates candidates) {
    if (cached.isEmpty() || !TagResolver.isTransient(failure)) {
      return Future.failedFuture(failure);
    }
    java.time.Duration age = java.time.Duration.between(cached.get().resolvedAt(), clock.instant());
    java.time.Duration maxStale = repo.upstream().config().maxStale();
    if (age.compareTo(maxStale) > 0) {
      UpstreamException ue = (UpstreamException) failure;
      return Future.failedFuture(
          new UpstreamException(
              ue.kind(),
              ue.upstream(),
              ue.getMessage()
                  + "; the cached resolution of "
                  + repo
                  + ":"
                  + tag
                  + " is "
                  + age.toMinutes()
                  + " min old, past max-stale "
                  + maxStale.toMinutes()
                  + " min",
              ue.retryAfter().orElse(null),
              ue));
    }
    return byDigest(repo, cached.get().digest(), false, candidates)
        .map(
            m -> {
              staleServed.run();
              return m.stale(age);
            })
        .recover(e -> Future.failedFuture(failure));
  }

  /**
   * What eviction and purges must tell this service: the manifests and tag resolutions they removed
   * from storage are dropped from memory too, so they are not served from there.
   */
  public RemovalListener removals() {
    return new RemovalListener() {
      @Override
      public void manifestRemoved(Digest digest) {
        memory.forget(digest);
      }

      @Override
      public void tagRemoved(String upstream, String repository, String tag) {
        memory.forgetTag(upstream, repository, tag);
      }
    };
  }

  private static ServedManifest served(StoredManifest m, ServedManifest.Source source) {
    return new ServedManifest(
        new ManifestDescriptor(m.digest(), m.mediaType(), m.size()), m.bytes(), source);
  }
}
