package dev.berth.storage;

import java.time.Instant;

/**
 * Metadata of a stored manifest, without its bytes.
 *
 * @param digest the manifest digest
 * @param mediaType the media type it was served with
 * @param size length of the manifest in bytes
 * @param stored when it was first stored
 * @param lastAccess the last time it was served, as recorded by batched access tracking (the store
 *     time when it was never served since)
 */
public record ManifestInfo(
    Digest digest, String mediaType, long size, Instant stored, Instant lastAccess) {}
