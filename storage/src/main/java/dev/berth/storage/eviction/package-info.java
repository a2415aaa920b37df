/** Bookkeeping for size-capped eviction: batched access times (eviction itself comes later). */
@NullMarked
package dev.berth.storage.eviction;

import org.jspecify.annotations.NullMarked;
