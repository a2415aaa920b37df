package dev.berth.proxy.pull;

import dev.berth.storage.BlobReader;
import org.jspecify.annotations.Nullable;

/**
 * What a blob request is answered from.
 *
 * @param size the whole blob's size, -1 while unknown (a live download without Content-Length)
 * @param reader the bytes, null for a {@code HEAD}
 * @param fromCache whether the blob was already committed when the request came
 */
public record BlobSource(long size, @Nullable BlobReader reader, boolean fromCache) {}
