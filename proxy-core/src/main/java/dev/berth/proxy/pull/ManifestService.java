package dev.berth.proxy.pull;

import dev.berth.proxy.image.ManifestReferences;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.image.Reference;
import dev.berth.proxy.policy.PullPolicy;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.calls.ManifestGet;
import dev.berth.proxy.upstream.calls.ManifestHead;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import dev.berth.storage.eviction.RemovalListener;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Answers manifest requests under the pull policies (docs/design.md item 4): tags are resolved
 * through {@link TagAction}, with one upstream {@code HEAD} per (upstream, repository, tag) at a
 * time; manifests by digest come from storage and are fetched from upstream at most once
 * concurrently, verified against their digest, then stored byte for byte.
 */
public final class ManifestService {
  /** containerd's limit ({@code 4*1048*1048}): larger manifests are refused by clients anyway. */
  private final UpstreamClient client;

  private final StorageAccess storage;
  private final LinkProof links;
  private final Clock clock;
  private final java.util.function.Consumer<Boolean> tagCacheResult;
  private final Backoff backoff;
  private final Runnable staleServed;

  /** Upstream 404s of tags, remembered briefly so a crash-looping pod does not hammer upstream. */
  private final com.github.benmanes.caffeine.cache.Cache<String, UpstreamException> notFound;

  private final ManifestMemory memory = new ManifestMemory();
  private final SingleFlight<String, ManifestDescriptor> resolutions = new SingleFlight<>();
  private final SingleFlight<String, StoredManifest> fetches = new SingleFlight<>();

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
    this.backoff = backoff;
    this.staleServed = staleServed;
    this.notFound =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .ticker(() -> java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .expireAfterWrite(negativeTtl)
            .maximumSize(100_000)
            .build();
    this.client = client;
    this.storage = storage;
    this.links = new LinkProof(client, storage);
    this.clock = clock;
    this.tagCacheResult = tagCacheResult;
  }

  /** Concurrent callers that shared another caller's upstream resolution or fetch. */
  public long coalescedCount() {
    return resolutions.coalescedCount() + fetches.coalescedCount();
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
              return guardedResolve(repo, tag, candidates)
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
                      linkWithReferences(repo, m.digest(), m.bytes());
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
              return fetch(repo, descriptor.digest(), candidates)
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
              return fetch(repo, digest, candidates)
                  .map(m -> served(m, ServedManifest.Source.UPSTREAM));
            });
  }

  /**
   * @param linked the content belongs to the requested repository
   * @param sameUpstream it belongs to some repository of the requested repository's upstream
   */
  private record Linked<T>(T value, boolean linked, boolean sameUpstream) {}

  /**
   * Resolves a tag unless the upstream (or this repository) is backing off, or answered 404 for it
   * moments ago; records the outcome in both.
   */
  private Future<ManifestDescriptor> guardedResolve(
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

  private static boolean isTransient(Throwable e) {
    return e instanceof UpstreamException ue
        && (ue.kind() == UpstreamException.Kind.UNAVAILABLE
            || ue.kind() == UpstreamException.Kind.TOO_MANY_REQUESTS);
  }

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
    if (cached.isEmpty() || !isTransient(failure)) {
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

  /** One upstream HEAD per tag at a time; records the resolution. */
  private Future<ManifestDescriptor> resolve(
      RoutedRepository repo, Reference.Tag tag, Candidates candidates) {
    String key = repo + ":" + tag;
    return resolutions.run(
        key,
        () ->
            client
                .call(repo, new ManifestHead(tag.value(), key), candidates.list())
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
    return getManifest(repo, tag.value(), null, candidates)
        .map(m -> new ManifestDescriptor(m.digest(), m.mediaType(), m.size()));
  }

  /** One upstream GET per digest at a time; verifies and stores the bytes. */
  private Future<StoredManifest> fetch(
      RoutedRepository repo, Digest digest, Candidates candidates) {
    return fetches.run(
        repo + "@" + digest, () -> getManifest(repo, digest.toString(), digest, candidates));
  }

  private Future<StoredManifest> getManifest(
      RoutedRepository repo, String reference, @Nullable Digest expected, Candidates candidates) {
    ManifestGet get = new ManifestGet(reference, repo.toString());
    String action = get.action();
    String upstream = repo.upstream().name();
    return client
        .call(repo, get, candidates.list())
        .compose(
            body -> {
              byte[] bytes = body.bytes();
              Digest digest = expected;
              if (digest == null) {
                digest = Digest.sha256Of(bytes);
                String header = body.digestHeader();
                if (header != null
                    && !header.trim().equals(digest.toString())
                    && header.trim().startsWith("sha256:")) {
                  return Future.failedFuture(
                      new UpstreamException(
                          UpstreamException.Kind.BAD_RESPONSE,
                          upstream,
                          action + ": body hashes to " + digest + " but upstream said " + header));
                }
              }
              String type =
                  MediaTypes.normalize(
                      Optional.ofNullable(body.contentType()).orElse(MediaTypes.OCI_MANIFEST));
              Digest verified = digest;
              return storage
                  .run(
                      () -> {
                        StoredManifest stored = storage.manifests().put(verified, type, bytes);
                        linkWithReferences(repo, verified, bytes);
                        memory.manifestStored(stored);
                        memory.linked(repo.upstream().name(), repo.repository().value(), verified);

                        return stored;
                      })
                  .recover(
                      e ->
                          e instanceof DiskFullException
                              ? uncached(verified, type, bytes, upstream, action)
                              : Future.failedFuture(
                                  e instanceof dev.berth.storage.DigestMismatchException
                                      ? new UpstreamException(
                                          UpstreamException.Kind.BAD_RESPONSE,
                                          upstream,
                                          action + ": " + e.getMessage())
                                      : e));
            });
  }

  /**
   * A fetched manifest served without being stored (the disk is full): checked against its digest
   * here, as storing it would have.
   */
  private Future<StoredManifest> uncached(
      Digest digest, String type, byte[] bytes, String upstream, String action) {
    DigestVerifier verifier = digest.newVerifier();
    verifier.update(bytes, 0, bytes.length);
    Digest actual = verifier.finish();
    if (!actual.equals(digest)) {
      return Future.failedFuture(
          new UpstreamException(
              UpstreamException.Kind.BAD_RESPONSE,
              upstream,
              action + ": body hashes to " + actual + ", not to " + digest));
    }
    return Future.succeededFuture(new StoredManifest(digest, type, bytes, clock.instant()));
  }

  /** The manifest and everything it references now belong to {@code repo}. */
  private void linkWithReferences(RoutedRepository repo, Digest digest, byte[] bytes) {
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    storage.links().link(upstream, repository, digest);
    for (Digest referenced : ManifestReferences.of(bytes)) {
      storage.links().link(upstream, repository, referenced);
    }
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
