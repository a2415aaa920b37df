package dev.berth.proxy.prefetch;

import dev.berth.storage.Digest;
import java.util.List;

/**
 * One image brought into the cache.
 *
 * @param reference the image as pulled ({@code docker.io/library/nginx:1.27})
 * @param digest the digest of its top manifest (an index for multi-platform images)
 * @param platforms the platforms fetched ({@code linux/amd64}), or {@code image} for a plain
 *     manifest without an index
 * @param blobs blobs fetched (configs and layers)
 * @param bytes their bytes
 */
public record PulledImage(
    String reference, Digest digest, List<String> platforms, int blobs, long bytes) {}
