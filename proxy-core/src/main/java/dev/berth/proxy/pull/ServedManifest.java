package dev.berth.proxy.pull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A manifest answer: its descriptor and, unless the request was a {@code HEAD} answered from the
 * upstream's own {@code HEAD}, its bytes exactly as stored.
 *
 * @param descriptor digest, media type, size
 * @param bytes the body, null when only headers are known
 * @param source where the answer came from, for metrics and the access log
 * @param staleAge set when the tag could not be revalidated and its last resolution (this old) was
 *     served instead (stale-if-error)
 */
// The bytes are served, never compared: a manifest's identity is its digest.
@SuppressWarnings("ArrayRecordComponent")
public record ServedManifest(
    ManifestDescriptor descriptor,
    byte @Nullable [] bytes,
    Source source,
    @Nullable Duration staleAge) {

  /** Where a manifest answer came from. */
  public enum Source {
    CACHE,
    UPSTREAM
  }

  public ServedManifest(ManifestDescriptor descriptor, byte @Nullable [] bytes, Source source) {
    this(descriptor, bytes, source, null);
  }

  /** The same answer, marked as served from a resolution that could not be revalidated. */
  public ServedManifest stale(Duration age) {
    return new ServedManifest(descriptor, bytes, source, age);
  }
}
