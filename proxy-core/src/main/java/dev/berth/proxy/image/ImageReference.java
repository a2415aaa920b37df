package dev.berth.proxy.image;

import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import org.jspecify.annotations.Nullable;

/**
 * An image reference: {@code [domain/]path[:tag][@digest]}.
 *
 * <p>Grammar (distribution/reference {@code regexp.go}; docs/protocol.md §1.1): {@code domain :=
 * host [":" port]}, host a dotted name of components {@code [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?}
 * or a bracketed IPv6 literal; {@code path := component ("/" component)*} with components {@code
 * [a-z0-9]+} joined by {@code .}, {@code _}, {@code __} or {@code -+}; {@code tag :=
 * [\w][\w.-]{0,127}}; digest as in {@link Digest}. A tag and a digest may both be present.
 *
 * <p>{@link #parse} is the raw parse (the first component is a domain whenever it is followed by
 * {@code /}); {@link #parseNormalized} applies Docker Hub's defaults exactly as {@code
 * ParseNormalizedNamed} does, which is how Kubernetes reads image names.
 *
 * @param domain the registry host and port, empty when a raw parse found none
 * @param path the repository path
 * @param tag the tag, if any
 * @param digest the digest, if any
 */
public record ImageReference(
    String domain, String path, @Nullable String tag, @Nullable Digest digest) {

  public static final String DOCKER_HUB = "docker.io";
  private static final String LEGACY_DOCKER_HUB = "index.docker.io";
  private static final String OFFICIAL_PREFIX = "library/";

  public ImageReference {
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(path, "path");
  }

  /** The raw parse of {@code Parse(s)}: no defaults applied (docs/protocol.md §1.2). */
  public static ImageReference parse(String s) {
    if (s.isEmpty()) {
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.NAME_EMPTY,
          s,
          "repository name must have at least one component");
    }
    Matcher m = ReferenceGrammar.REFERENCE.matcher(s);
    if (!m.matches()) {
      if (ReferenceGrammar.REFERENCE.matcher(s.toLowerCase(Locale.ROOT)).matches()) {
        throw new InvalidReferenceException(
            InvalidReferenceException.Kind.NAME_CONTAINS_UPPERCASE,
            s,
            "repository name must be lowercase");
      }
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.INVALID_FORMAT, s, "invalid reference format");
    }
    Matcher name = ReferenceGrammar.NAME_SPLIT.matcher(m.group(1));
    if (!name.matches()) {
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.INVALID_FORMAT, s, "invalid reference format");
    }
    String domain = name.group(1) == null ? "" : name.group(1);
    String path = name.group(2);
    if (path.length() > ReferenceGrammar.MAX_PATH_LENGTH) {
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.NAME_TOO_LONG,
          s,
          "repository name must not be more than "
              + ReferenceGrammar.MAX_PATH_LENGTH
              + " characters");
    }
    Digest digest = null;
    if (m.group(3) != null) {
      try {
        digest = Digest.parse(m.group(3));
      } catch (InvalidDigestException e) {
        throw new InvalidReferenceException(
            InvalidReferenceException.Kind.DIGEST_INVALID,
            s,
            java.util.Objects.requireNonNullElse(e.getMessage(), e.toString()),
            e);
      }
    }
    return new ImageReference(domain, path, m.group(2), digest);
  }

  /** {@code ParseNormalizedNamed}: Docker Hub defaults, as Kubernetes reads names (§1.3). */
  public static ImageReference parseNormalized(String s) {
    if (ReferenceGrammar.IDENTIFIER.matcher(s).matches()) {
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.INVALID_FORMAT,
          s,
          "cannot specify 64-byte hexadecimal strings");
    }
    int slash = s.indexOf('/');
    String domain;
    String remainder;
    if (slash == -1 || !looksLikeRegistryHost(s.substring(0, slash))) {
      domain = DOCKER_HUB;
      remainder = s;
    } else {
      domain = s.substring(0, slash);
      remainder = s.substring(slash + 1);
    }
    if (domain.equals(LEGACY_DOCKER_HUB)) {
      domain = DOCKER_HUB;
    }
    if (domain.equals(DOCKER_HUB) && remainder.indexOf('/') == -1) {
      remainder = OFFICIAL_PREFIX + remainder;
    }
    int colon = remainder.indexOf(':');
    String remote = colon == -1 ? remainder : remainder.substring(0, colon);
    if (!remote.toLowerCase(Locale.ROOT).equals(remote)) {
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.NAME_CONTAINS_UPPERCASE,
          s,
          "repository name must be lowercase");
    }
    ImageReference parsed = parse(domain + "/" + remainder);
    if (parsed.domain.isEmpty()) {
      throw new InvalidReferenceException(
          InvalidReferenceException.Kind.INVALID_FORMAT, s, "invalid reference format");
    }
    return parsed;
  }

  /**
   * {@code ParseDockerRef}: normalized, the tag dropped when a digest is present, {@code latest}
   * added when neither is.
   */
  public static ImageReference parseDockerRef(String s) {
    ImageReference r = parseNormalized(s);
    if (r.digest != null) {
      return new ImageReference(r.domain, r.path, null, r.digest);
    }
    if (r.tag == null) {
      return new ImageReference(r.domain, r.path, "latest", null);
    }
    return r;
  }

  /**
   * Whether the first component of a name is a registry host by Docker's rule ({@code
   * splitDockerDomain}): it contains {@code .} or {@code :}, is {@code localhost}, or is not
   * lowercase.
   */
  public static boolean looksLikeRegistryHost(String component) {
    return component.indexOf('.') >= 0
        || component.indexOf(':') >= 0
        || component.equals("localhost")
        || !component.toLowerCase(Locale.ROOT).equals(component);
  }

  /** {@code domain/path}, or the path alone when there is no domain. */
  public String name() {
    return domain.isEmpty() ? path : domain + "/" + path;
  }

  /** The short form users type: Docker Hub's domain and a lone {@code library/} dropped. */
  public String familiarName() {
    if (!domain.equals(DOCKER_HUB)) {
      return name();
    }
    if (path.startsWith(OFFICIAL_PREFIX) && path.indexOf('/', OFFICIAL_PREFIX.length()) == -1) {
      return path.substring(OFFICIAL_PREFIX.length());
    }
    return path;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(name());
    if (tag != null) {
      b.append(':').append(tag);
    }
    if (digest != null) {
      b.append('@').append(digest);
    }
    return b.toString();
  }
}
