package dev.berth.storage;

import java.time.Instant;

/**
 * What a tag pointed to when it was last resolved at its upstream.
 *
 * @param digest the manifest digest
 * @param resolvedAt when the upstream said so
 */
public record TagResolution(Digest digest, Instant resolvedAt) {}
