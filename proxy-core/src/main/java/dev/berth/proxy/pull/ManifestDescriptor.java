package dev.berth.proxy.pull;

import dev.berth.storage.Digest;

/**
 * What a manifest {@code HEAD} needs: digest, media type and size.
 *
 * @param digest the manifest's digest
 * @param mediaType its {@code Content-Type}
 * @param size its length in bytes
 */
public record ManifestDescriptor(Digest digest, String mediaType, long size) {}
