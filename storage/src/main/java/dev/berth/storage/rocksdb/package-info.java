/**
 * The RocksDB implementation of the storage contracts.
 *
 * <p>Layout (one database, eight column families):
 *
 * <ul>
 *   <li>{@code chunks}: blob bytes under {@code digest ‖ generation ‖ chunk index}, values in
 *       RocksDB's integrated BlobDB files so that megabyte values do not churn compaction. The
 *       generation separates concurrent writers of one digest: each writes its own chunks, and the
 *       committed metadata names the generation that won.
 *   <li>{@code blobs}: per committed digest its size, chunk size, generation, created and last
 *       access time. A blob is visible exactly when this record exists.
 *   <li>{@code uploads}: one record per unfinished write, synced before its first chunk. At open,
 *       every record left by a crash has its chunks deleted: nothing partial ever becomes visible.
 *   <li>{@code manifests} and {@code tags}: small values, written whole. {@code manifest-access}:
 *       the batched last-access time of each manifest, apart so an access never rewrites one.
 *   <li>{@code links}: which (upstream, repository) each digest belongs to, so content shared by
 *       digest is only readable through repositories that fetched or reference it.
 *   <li>{@code pins}: images pinned at run time ({@code --pin}), kept out of eviction.
 * </ul>
 *
 * Commit, abort and delete are single atomic {@code WriteBatch}es; the commit batch is written with
 * a synced WAL. Chunks are written without the WAL (it doubled the bytes written, each one
 * checksummed in software); the commit first flushes the chunks' memtable to its files, so every
 * chunk of a visible blob is on disk before the record that makes it visible.
 */
@NullMarked
package dev.berth.storage.rocksdb;

import org.jspecify.annotations.NullMarked;
