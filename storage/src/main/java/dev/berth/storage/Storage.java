package dev.berth.storage;

import java.nio.file.Path;
import java.util.Optional;

/**
 * An opened cache: its stores and what the proxy asks of the whole. The proxy depends on this, not
 * on the engine behind it ({@code rocksdb.RocksStorage}), so that its services can be built and
 * tested on any implementation.
 */
public interface Storage extends AutoCloseable {
  /** Chunk sizes a store accepts; {@link #DEFAULT_CHUNK_SIZE} unless configured. */
  int DEFAULT_CHUNK_SIZE = 1 << 20;

  int MIN_CHUNK_SIZE = 4 << 10;

  int MAX_CHUNK_SIZE = 64 << 20;

  BlobStore blobs();

  ManifestStore manifests();

  TagStore tags();

  LinkStore links();

  PinStore pins();

  /** Access verdicts learned from upstreams (they outlive restarts and upstream outages). */
  VerdictStore verdicts();

  /**
   * Bytes of stored blobs and manifests; {@code storage.max-size} caps these plus {@link
   * BlobStore#writingBytes}.
   */
  long storedBytes();

  /** Returns the space deletions freed to the file system now. Blocking and I/O heavy. */
  void compact();

  /** Bytes the cache's files take on disk: what the cache costs the node. */
  long diskBytes();

  /** The directory the cache lives in. */
  Path path();

  /**
   * Tries a small synced write: empty when writes work, otherwise why they do not (a full disk).
   * Blocking.
   */
  Optional<String> writeProblem();

  /** Whether the store is open and can be read, with detail. */
  StorageHealth health();

  /** What the engine's background work is doing, for metrics; zeros where there is none. */
  default EngineStats engineStats() {
    return EngineStats.CLOSED;
  }

  /** Closes the stores; no call may follow. */
  @Override
  void close();
}
