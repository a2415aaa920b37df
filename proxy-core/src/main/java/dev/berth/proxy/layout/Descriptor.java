package dev.berth.proxy.layout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.storage.Digest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a layout's {@code index.json} {@code manifests} array (image-spec {@code
 * descriptor.md}): what the layout holds and, through {@link #REF_NAME}, under which name.
 *
 * @param annotations in their original order; empty when the descriptor has none
 * @param platform the descriptor's {@code platform} object as it was, for image indexes' children;
 *     kept as JSON because berth only passes it through
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Map<String, String> annotations,
    @Nullable JsonNode platform) {

  /** The annotation that names a manifest in a layout (the tag, for skopeo and containerd). */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    if (size < 0) {
      throw new IllegalArgumentException("size of " + digest + " is negative: " + size);
    }
    annotations = Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    platform = platform == null ? null : platform.deepCopy();
  }

  /** A copy of the platform object, so that the descriptor stays immutable. */
  @Override
  public @Nullable JsonNode platform() {
    return platform == null ? null : platform.deepCopy();
  }

  /** A descriptor without annotations or platform. */
  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, Map.of(), null);
  }

  /** The {@link #REF_NAME} annotation, if present. */
  public Optional<String> refName() {
    return Optional.ofNullable(annotations.get(REF_NAME));
  }

  /** This descriptor with {@link #REF_NAME} set to {@code refName}. */
  public Descriptor withRefName(String refName) {
    Map<String, String> copy = new LinkedHashMap<>(annotations);
    copy.put(REF_NAME, Objects.requireNonNull(refName, "refName"));
    return new Descriptor(mediaType, digest, size, copy, platform);
  }
}
