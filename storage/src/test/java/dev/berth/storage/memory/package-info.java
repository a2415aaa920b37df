/**
 * The storage interfaces in the Java heap, for tests: services above storage are unit-tested on
 * these with a fake clock, without RocksDB or a data directory. They keep the same contract as the
 * RocksDB stores (the conformance suites in {@code testing} run against both) and add a {@link
 * dev.berth.storage.memory.MemoryDisk} whose capacity a test can take away to stand in for a full
 * disk.
 */
@NullMarked
package dev.berth.storage.memory;

import org.jspecify.annotations.NullMarked;
