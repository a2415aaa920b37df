/** Shared test support: the {@code BlobStore} conformance suite and deterministic content. */
@NullMarked
package dev.berth.storage.testing;

import org.jspecify.annotations.NullMarked;
