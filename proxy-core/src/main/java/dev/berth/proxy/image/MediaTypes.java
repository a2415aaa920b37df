package dev.berth.proxy.image;

import java.util.List;
import java.util.Set;

/** Manifest media types (docs/protocol.md §4.2) and the Accept list berth sends upstream. */
public final class MediaTypes {
  private MediaTypes() {}

  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_V1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  public static final String DOCKER_MANIFEST_V1 =
      "application/vnd.docker.distribution.manifest.v1+json";

  /** Every manifest type berth asks upstream for, so Docker Hub never falls back to schema 1. */
  public static final List<String> UPSTREAM_ACCEPT =
      List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST);

  /** The {@code Accept} header value berth sends upstream for manifests. */
  public static final String UPSTREAM_ACCEPT_HEADER = String.join(", ", UPSTREAM_ACCEPT);

  public static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);

  /** Strips parameters ({@code ; charset=...}) and lowercases, as clients compare types. */
  public static String normalize(String contentType) {
    int semicolon = contentType.indexOf(';');
    String bare = semicolon >= 0 ? contentType.substring(0, semicolon) : contentType;
    return bare.trim().toLowerCase(java.util.Locale.ROOT);
  }
}
