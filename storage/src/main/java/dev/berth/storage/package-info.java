/**
 * Content-addressed bytes and metadata: {@link dev.berth.storage.Digest}, the {@link
 * dev.berth.storage.BlobStore} contract with its writers and readers, the manifest and tag stores.
 * No HTTP and no knowledge of credentials: this package is reused by the CLI tools and the server.
 */
@NullMarked
package dev.berth.storage;

import org.jspecify.annotations.NullMarked;
