package dev.berth.proxy.pull;

import org.jspecify.annotations.Nullable;

/**
 * A manifest answer: its descriptor and, unless the request was a {@code HEAD} answered from the
 * upstream's own {@code HEAD}, its bytes exactly as stored.
 *
 * @param descriptor digest, media type, size
 * @param bytes the body, null when only headers are known
 * @param source where the answer came from, for metrics and the access log
 */
public record ServedManifest(
    ManifestDescriptor descriptor, byte @Nullable [] bytes, Source source) {
  /** Where a manifest answer came from. */
  public enum Source {
    CACHE,
    UPSTREAM
  }
}
