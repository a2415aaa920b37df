package dev.berth.storage.s3;

import dev.berth.storage.Digest;
import java.util.Optional;

/**
 * Object keys by content: {@code <prefix>blobs/sha256/<hex>} and {@code
 * <prefix>manifests/sha256/<hex>}. An object is the whole blob or manifest, so other tools (and a
 * presigned URL) can read it as it is.
 */
final class S3Keys {
  private final String prefix;

  S3Keys(String prefix) {
    this.prefix = prefix;
  }

  String blobs() {
    return prefix + "blobs/";
  }

  String manifests() {
    return prefix + "manifests/";
  }

  String blob(Digest digest) {
    return blobs() + digest.algorithm().wireName() + "/" + digest.hex();
  }

  String manifest(Digest digest) {
    return manifests() + digest.algorithm().wireName() + "/" + digest.hex();
  }

  /** The digest a key under {@code folder} names, or empty for any other object found there. */
  static Optional<Digest> digestOf(String folder, String key) {
    if (!key.startsWith(folder)) {
      return Optional.empty();
    }
    String rest = key.substring(folder.length());
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(Digest.parse(rest.substring(0, slash) + ":" + rest.substring(slash + 1)));
    } catch (RuntimeException notOurs) {
      return Optional.empty();
    }
  }
}
