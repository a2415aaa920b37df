package dev.berth.storage;

import java.time.Instant;

/**
 * Metadata of a committed blob.
 *
 * @param digest the content digest, verified at commit
 * @param size length in bytes
 * @param chunkSize the chunk size the blob was stored with (the last chunk may be shorter)
 * @param created when the blob was committed
 * @param lastAccess the last read as recorded by the store's batched access tracking
 */
public record BlobInfo(
    Digest digest, long size, int chunkSize, Instant created, Instant lastAccess) {}
