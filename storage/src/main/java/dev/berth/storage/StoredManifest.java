package dev.berth.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * A manifest exactly as the upstream sent it: the bytes are never re-serialised.
 *
 * @param digest the digest of {@code bytes}
 * @param mediaType the {@code Content-Type} the upstream gave
 * @param bytes the body; callers must not modify it
 * @param stored when it was first stored
 */
// The bytes are the manifest as served, never compared: a manifest's identity is its digest.
@SuppressWarnings("ArrayRecordComponent")
public record StoredManifest(Digest digest, String mediaType, byte[] bytes, Instant stored) {
  public StoredManifest {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(stored, "stored");
  }

  public int size() {
    return bytes.length;
  }
}
