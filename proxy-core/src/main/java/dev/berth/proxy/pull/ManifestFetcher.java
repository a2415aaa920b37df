package dev.berth.proxy.pull;

import dev.berth.proxy.image.ManifestReferences;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.calls.ManifestGet;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.StoredManifest;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Fetches manifests by digest (or by tag, when an upstream's {@code HEAD} gave no digest): one
 * upstream {@code GET} per digest at a time, the body verified against its digest, stored byte for
 * byte with the links of everything it references, or served uncached while the disk is full.
 */
final class ManifestFetcher {
  private final UpstreamClient client;
  private final StorageAccess storage;
  private final Clock clock;
  private final ManifestMemory memory;
  private final SingleFlight<String, StoredManifest> fetches = new SingleFlight<>();

  ManifestFetcher(
      UpstreamClient client, StorageAccess storage, Clock clock, ManifestMemory memory) {
    this.client = client;
    this.storage = storage;
    this.clock = clock;
    this.memory = memory;
  }

  long coalescedCount() {
    return fetches.coalescedCount();
  }

  /** One upstream GET per digest at a time; verifies and stores the bytes. */
  Future<StoredManifest> fetch(RoutedRepository repo, Digest digest, Candidates candidates) {
    return fetches.run(
        repo + "@" + digest, () -> getManifest(repo, digest.toString(), digest, candidates));
  }

  /**
   * GETs {@code reference} (a digest, or a tag when {@code expected} is null: the body is then
   * hashed, and a digest header that disagrees is refused), verifies and stores it.
   */
  Future<StoredManifest> getManifest(
      RoutedRepository repo, String reference, @Nullable Digest expected, Candidates candidates) {
    ManifestGet get = new ManifestGet(reference, repo.toString());
    String action = get.action();
    String upstream = repo.upstream().name();
    return client
        .call(repo, get, candidates)
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
  void linkWithReferences(RoutedRepository repo, Digest digest, byte[] bytes) {
    String upstream = repo.upstream().name();
    String repository = repo.repository().value();
    storage.links().link(upstream, repository, digest);
    for (Digest referenced : ManifestReferences.of(bytes)) {
      storage.links().link(upstream, repository, referenced);
    }
  }
}
