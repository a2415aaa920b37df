/** Opening a node's local store; the engine behind it is {@code dev.berth.storage.rocksdb}. */
@NullMarked
package dev.berth.storage.local;

import org.jspecify.annotations.NullMarked;
