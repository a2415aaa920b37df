package dev.berth.proxy.api;

import dev.berth.proxy.image.InvalidReferenceException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A request path under {@code /v2/}, split the way the reference registry's router does it
 * (docs/protocol.md §4.6): the suffix that ends the path ({@code /manifests/<ref>}, {@code
 * /blobs/<digest>}, {@code /tags/list}, {@code /referrers/<digest>}) decides the route and the name
 * before it is taken greedily, so {@code /v2/foo/bar/manifests/manifests/tags} is the manifest
 * {@code tags} of {@code foo/bar/manifests}.
 *
 * <p>Paths with dot segments, empty segments, percent-encoding or non-ASCII are refused rather than
 * cleaned: the name grammar allows none of them, and a proxy that "fixes" paths invites confusion
 * about which repository was authorized.
 *
 * @param route which endpoint
 * @param name everything between {@code /v2/} and the route suffix (may start with a registry host)
 * @param reference the tag or digest text after {@code /manifests/}, {@code /blobs/} or {@code
 *     /referrers/}; null for tags lists
 */
public record V2Path(Route route, String name, @Nullable String reference) {

  /** The endpoints under {@code /v2/<name>/}. */
  public enum Route {
    MANIFEST,
    BLOB,
    TAGS_LIST,
    REFERRERS,
    BLOB_UPLOAD
  }

  /** Longer than any valid name plus suffix: a cheap guard before regex work. */
  static final int MAX_PATH_LENGTH = 1024;

  private static final Pattern SHAPE =
      Pattern.compile(
          "/v2/(?<name>.+)/(?:"
              + "manifests/(?<ref>[^/]+)"
              + "|blobs/uploads(?:/[^/]*)?"
              + "|blobs/(?<digest>[^/]+)"
              + "|tags/list"
              + "|referrers/(?<subject>[^/]+))");

  /**
   * Splits {@code path} (the raw request path, not decoded).
   *
   * @return empty when the path is not a {@code /v2/<name>/...} endpoint at all
   * @throws InvalidReferenceException when it is, but the path itself is malformed
   */
  public static Optional<V2Path> parse(String path) {
    if (!path.startsWith("/v2/")) {
      return Optional.empty();
    }
    if (path.length() > MAX_PATH_LENGTH) {
      throw invalid(path, "path longer than " + MAX_PATH_LENGTH + " characters");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%') {
        throw invalid(path, "percent-encoded characters (such as %2F) are not allowed in names");
      }
      if (c < 0x21 || c > 0x7e) {
        throw invalid(path, "only printable ASCII is allowed in names");
      }
    }
    if (path.contains("//")
        || path.contains("/./")
        || path.contains("/../")
        || path.endsWith("/..")
        || path.endsWith("/.")) {
      throw invalid(path, "empty or dot segments ('.', '..') are not allowed");
    }
    // The name group is greedy, so the first match found is the one with the longest name.
    Matcher m = SHAPE.matcher(path);
    if (!m.matches()) {
      return Optional.empty();
    }
    String name = m.group("name");
    if (m.group("ref") != null) {
      return Optional.of(new V2Path(Route.MANIFEST, name, m.group("ref")));
    }
    if (m.group("digest") != null) {
      return Optional.of(new V2Path(Route.BLOB, name, m.group("digest")));
    }
    if (m.group("subject") != null) {
      return Optional.of(new V2Path(Route.REFERRERS, name, m.group("subject")));
    }
    if (path.contains("/blobs/uploads")) {
      return Optional.of(new V2Path(Route.BLOB_UPLOAD, name, null));
    }
    return Optional.of(new V2Path(Route.TAGS_LIST, name, null));
  }

  private static InvalidReferenceException invalid(String path, String reason) {
    return InvalidReferenceException.invalidPath(path, reason);
  }
}
