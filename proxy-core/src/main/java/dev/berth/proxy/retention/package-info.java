/**
 * Keeping the cache bounded and answering operators about it: the {@link
 * dev.berth.proxy.retention.CacheKeeper} runs size-capped eviction in the background and on demand
 * ({@code berth gc}, {@code POST /admin/gc}), purges, pins and lists content, and counts what it
 * removed; {@link dev.berth.proxy.retention.PinReferences} turns image references into pins.
 */
@NullMarked
package dev.berth.proxy.retention;

import org.jspecify.annotations.NullMarked;
