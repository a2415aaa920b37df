package dev.berth.proxy.e2e;

/**
 * An OCI content descriptor: what a manifest or index says about one blob or child manifest.
 *
 * <p>Why: tests compare what was pushed with what a client pulled blob by blob, and need the media
 * type and size next to the digest to do so.
 *
 * @param mediaType for example {@code application/vnd.oci.image.layer.v1.tar+gzip}
 * @param digest {@code sha256:<64 hex>}
 * @param size bytes
 */
public record Descriptor(String mediaType, String digest, long size) {
  /** The 64 hex characters after {@code sha256:}. */
  public String hex() {
    return digest.substring(digest.indexOf(':') + 1);
  }
}
