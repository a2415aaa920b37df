package dev.berth.storage;

/**
 * One stored tag resolution with its key.
 *
 * @param upstream the upstream's configured name
 * @param repository the repository path at that upstream
 * @param tag the tag
 * @param resolution what it pointed to when last resolved
 */
public record TaggedManifest(
    String upstream, String repository, String tag, TagResolution resolution) {}
