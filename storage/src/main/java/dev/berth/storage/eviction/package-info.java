/**
 * Keeping the cache within its size: batched access times ({@link
 * dev.berth.storage.eviction.AccessRecorder}), pins, and the {@link
 * dev.berth.storage.eviction.CacheCollector} that evicts least recently used content, purges on
 * request and lists what is stored. Manifest formats are not read here: the caller supplies a
 * function from manifest bytes to the digests they reference.
 */
@NullMarked
package dev.berth.storage.eviction;

import org.jspecify.annotations.NullMarked;
