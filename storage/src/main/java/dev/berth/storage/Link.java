package dev.berth.storage;

/**
 * That {@code digest} belongs to {@code repository} of {@code upstream} (see {@link LinkStore}).
 */
public record Link(String upstream, String repository, Digest digest) {}
