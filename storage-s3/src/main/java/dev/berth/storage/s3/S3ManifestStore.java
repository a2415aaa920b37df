package dev.berth.storage.s3;

import dev.berth.storage.Digest;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.ManifestInfo;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.eviction.AccessRecorder;
import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * Manifests as objects in the bucket, their media type as the object's {@code Content-Type}. Like
 * {@link S3BlobStore}, an index of what is there (a {@link BucketListing}; a manifest's type is
 * read by one {@code HEAD} when it is first needed) answers sizes and scans; reads go to the
 * bucket.
 */
public final class S3ManifestStore implements ManifestStore {
  private final S3Objects objects;
  private final S3Keys keys;
  private final Clock clock;
  private final ConcurrentSkipListMap<Digest, ManifestInfo> index = new ConcurrentSkipListMap<>();
  private final AccessRecorder accesses;
  private final BucketListing<ManifestInfo> listing;

  /** The media type of a manifest known from the listing only, until a HEAD reads it. */
  static final String UNKNOWN_TYPE = "";

  S3ManifestStore(S3Objects objects, S3Keys keys, Clock clock) {
    this.objects = objects;
    this.keys = keys;
    this.clock = clock;
    this.accesses = new AccessRecorder(clock);
    // The listing has no media types: a manifest's is read by one HEAD when it is first asked
    // for, so that opening a bucket of many manifests is one listing, not a HEAD each.
    this.listing =
        new BucketListing<>(
            objects,
            keys.manifests(),
            index,
            (d, o) ->
                index.putIfAbsent(
                    d,
                    new ManifestInfo(
                        d, UNKNOWN_TYPE, o.size(), o.lastModified(), o.lastModified())),
            index::remove,
            clock);
  }

  /** Lists the bucket again when the last listing is older than {@code RELIST_AFTER}. */
  @Override
  public void refresh() {
    listing.refresh();
  }

  @Override
  public StoredManifest put(Digest digest, String mediaType, byte[] bytes) {
    var verifier = digest.newVerifier();
    verifier.update(bytes, 0, bytes.length);
    Digest actual = verifier.finish();
    if (!actual.equals(digest)) {
      throw new DigestMismatchException(digest, "manifest bytes hash to " + actual);
    }
    byte[] copy = bytes.clone();
    objects.createIfAbsent(
        keys.manifest(digest), mediaType, copy.length, () -> new ByteArrayInputStream(copy));
    Instant now = clock.instant();
    index.putIfAbsent(digest, new ManifestInfo(digest, mediaType, copy.length, now, now));
    return new StoredManifest(digest, mediaType, copy, index.get(digest).stored());
  }

  @Override
  public Optional<StoredManifest> get(Digest digest) {
    Optional<ManifestInfo> info = info(digest);
    if (info.isEmpty()) {
      return Optional.empty();
    }
    Optional<byte[]> bytes = objects.getBytes(keys.manifest(digest));
    if (bytes.isEmpty()) {
      index.remove(digest); // deleted by another replica
      return Optional.empty();
    }
    touch(digest);
    return Optional.of(
        new StoredManifest(digest, info.get().mediaType(), bytes.get(), info.get().stored()));
  }

  private Optional<ManifestInfo> info(Digest digest) {
    ManifestInfo known = index.get(digest);
    if (known != null && !known.mediaType().equals(UNKNOWN_TYPE)) {
      return Optional.of(known);
    }
    return objects
        .head(keys.manifest(digest))
        .map(
            h -> {
              ManifestInfo info =
                  new ManifestInfo(
                      digest,
                      String.valueOf(h.contentType()),
                      h.contentLength(),
                      h.lastModified(),
                      h.lastModified());
              index.put(digest, info);
              return info;
            })
        .or(
            () -> {
              if (known != null) {
                index.remove(digest, known); // deleted by another replica since the listing
              }
              return Optional.empty();
            });
  }

  @Override
  public void touch(Digest digest) {
    accesses.record(digest);
  }

  @Override
  public boolean delete(Digest digest) {
    boolean deleted = objects.delete(keys.manifest(digest));
    return index.remove(digest) != null || deleted;
  }

  @Override
  public void forEach(Consumer<StoredManifest> action) {
    refresh();
    for (Digest digest : List.copyOf(index.keySet())) {
      get(digest).ifPresent(action);
    }
  }

  /**
   * Every manifest's info, refreshed first; a media type only the listing knew is read now (one
   * HEAD, once per manifest), so that the inventory shows it.
   */
  @Override
  public void forEachInfo(Consumer<ManifestInfo> action) {
    refresh();
    for (ManifestInfo m : List.copyOf(index.values())) {
      if (m.mediaType().equals(UNKNOWN_TYPE)) {
        info(m.digest()).ifPresent(action);
      } else {
        action.accept(m);
      }
    }
  }

  @Override
  public long totalBytes() {
    return index.values().stream().mapToLong(ManifestInfo::size).sum();
  }

  @Override
  public long count() {
    return index.size();
  }

  @Override
  public void flushAccessTimes() {
    accesses.drainInto(
        (digest, at) ->
            index.computeIfPresent(
                digest, (d, i) -> new ManifestInfo(d, i.mediaType(), i.size(), i.stored(), at)));
  }
}
