package dev.berth.storage;

/**
 * Whether the store can serve and accept writes, with a human-readable detail for {@code /readyz}.
 *
 * @param ready reads and writes work
 * @param detail why not, or a short summary when ready
 */
public record StorageHealth(boolean ready, String detail) {}
