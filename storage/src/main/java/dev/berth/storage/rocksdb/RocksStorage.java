package dev.berth.storage.rocksdb;

import dev.berth.storage.BlobStore;
import dev.berth.storage.EngineStats;
import dev.berth.storage.LinkStore;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.PinStore;
import dev.berth.storage.Storage;
import dev.berth.storage.StorageException;
import dev.berth.storage.StorageHealth;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.TagStore;
import dev.berth.storage.VerdictStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RocksDB database holding berth's blobs, manifests and tags (layout in {@code
 * package-info.java}). Opening it reclaims the chunks of writes a crash left unfinished. Closing it
 * flushes batched access times. Thread-safe.
 */
public final class RocksStorage implements Storage {
  private static final Logger log = LoggerFactory.getLogger(RocksStorage.class);

  private final Path path;
  private final RocksEngine engine;
  private final RocksBlobStore blobs;
  private final RocksManifestStore manifests;
  private final RocksTagStore tags;
  private final RocksLinkStore links;
  private final RocksPinStore pins;
  private final VerdictStore verdicts;
  private final ScheduledExecutorService maintenance;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final boolean readOnly;

  private RocksStorage(Path path, StorageOptions options, boolean readOnly)
      throws RocksDBException {
    this.path = path;
    this.readOnly = readOnly;
    this.engine = new RocksEngine(path, readOnly);
    RocksDB db = engine.db;
    List<ColumnFamilyHandle> handles = engine.handles;
    WriteOptions syncWrites = engine.syncWrites;
    WriteOptions plainWrites = engine.plainWrites;
    this.blobs =
        new RocksBlobStore(
            db,
            handles.get(1),
            handles.get(2),
            handles.get(3),
            syncWrites,
            plainWrites,
            engine.flushChunks,
            engine.readOptions,
            options,
            new BlobFiles(path, readOnly));
    this.manifests =
        new RocksManifestStore(db, handles.get(4), handles.get(7), plainWrites, options.clock());
    this.tags = new RocksTagStore(db, handles.get(5), plainWrites);
    this.links = new RocksLinkStore(db, handles.get(6), plainWrites);
    this.pins = new RocksPinStore(db, handles.get(8), syncWrites);
    this.verdicts =
        engine.withVerdicts
            ? new RocksVerdictStore(db, handles.get(9), plainWrites, syncWrites)
            : NoVerdicts.INSTANCE;
    this.maintenance =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "berth-storage-maintenance");
              t.setDaemon(true);
              return t;
            });
    long flushMillis = options.accessFlushInterval().toMillis();
    if (readOnly) {
      return; // nothing to flush: reads through a read-only handle record no access times
    }
    // The task is cancelled by shutting the executor down in close(); its future is not needed.
    var unused =
        maintenance.scheduleWithFixedDelay(
            this::flushAccessTimesQuietly, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens (creating if needed) the store under {@code path}, reclaiming unfinished writes.
   *
   * @throws StorageException naming the path when it cannot be opened
   */
  public static RocksStorage open(Path path, StorageOptions options) {
    try {
      Files.createDirectories(path);
    } catch (java.io.IOException e) {
      throw new StorageException("cannot create storage directory " + path + ": " + e, e);
    }
    ownerOnly(path);
    try {
      RocksStorage storage = new RocksStorage(path, options, false);
      int reclaimed = storage.blobs.reclaimUnfinishedWrites();
      if (reclaimed > 0) {
        log.info("reclaimed {} unfinished blob writes in {}", reclaimed, path);
      }
      storage.blobs.loadTotals();
      storage.manifests.loadTotals();
      return storage;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("cannot open storage at " + path, e);
    }
  }

  /**
   * Makes the data directory {@code 0700}: it holds private images of many tenants and the access
   * verdict key, and RocksDB creates its files with mode {@code 0644} minus the process umask
   * (usually world-readable; {@link OwnerOnlyFiles} restricts them to {@code 0600}). A file system
   * without POSIX permissions, or a directory owned by someone else, is left as it is (logged).
   */
  private static void ownerOnly(Path path) {
    try {
      Files.setPosixFilePermissions(
          path, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    } catch (UnsupportedOperationException | java.io.IOException e) {
      log.warn("cannot restrict {} to its owner (0700): {}", path, e.toString());
    }
  }

  /**
   * Opens an existing store for reading only, beside a berth server that may have it open for
   * writing (RocksDB allows that; no lock is taken): {@code berth export} copies out of a live
   * cache this way. It sees the store as it was when opened. Writes through it fail.
   *
   * @throws StorageException naming the path when there is no store there or it cannot be read
   */
  public static RocksStorage openReadOnly(Path path, StorageOptions options) {
    if (!Files.isDirectory(path)) {
      throw new StorageException("no cache at " + path + " (the directory does not exist)");
    }
    try {
      RocksStorage storage = new RocksStorage(path, options, true);
      storage.blobs.loadTotals();
      storage.manifests.loadTotals();
      return storage;
    } catch (RocksDBException e) {
      throw RocksErrors.translate("cannot open storage at " + path + " for reading", e);
    }
  }

  @Override
  public BlobStore blobs() {
    return blobs;
  }

  @Override
  public ManifestStore manifests() {
    return manifests;
  }

  @Override
  public TagStore tags() {
    return tags;
  }

  @Override
  public LinkStore links() {
    return links;
  }

  @Override
  public PinStore pins() {
    return pins;
  }

  /** Access verdicts learned from upstreams (they outlive restarts and upstream outages). */
  @Override
  public VerdictStore verdicts() {
    return verdicts;
  }

  /**
   * Bytes of stored blobs and manifests; {@code storage.max-size} caps these plus {@link
   * BlobStore#writingBytes}.
   */
  @Override
  public long storedBytes() {
    return blobs.totalBytes() + manifests.totalBytes();
  }

  /**
   * Compacts every column family, so that space freed by deletions (evicted blobs' chunks and their
   * blob files) returns to the file system now rather than at RocksDB's leisure. Blocking and I/O
   * heavy: for {@code berth gc}, not for the request path.
   */
  @Override
  public void compact() {
    try (CompactRangeOptions options =
        new CompactRangeOptions()
            .setBottommostLevelCompaction(
                CompactRangeOptions.BottommostLevelCompaction.kForceOptimized)) {
      for (ColumnFamilyHandle handle : engine.handles) {
        engine.db.compactRange(handle, null, null, options);
      }
    } catch (RocksDBException e) {
      throw RocksErrors.translate("compacting storage at " + path, e);
    }
  }

  /** Bytes of RocksDB's files on disk (SST, blob files, logs): what the cache costs the node. */
  @Override
  public long diskBytes() {
    try (var files = Files.walk(path)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (java.io.IOException e) {
                  return 0; // removed while walking (a compaction finished)
                }
              })
          .sum();
    } catch (java.io.IOException e) {
      throw new StorageException("cannot measure " + path + ": " + e, e);
    }
  }

  @Override
  public Path path() {
    return path;
  }

  private static final byte[] PROBE_KEY = "berth:write-probe".getBytes(StandardCharsets.UTF_8);

  /**
   * Tries one small synced write, and one small blob file. After a full disk RocksDB refuses every
   * write until it has recovered by itself (its file manager polls for free space), so this tells
   * when writing works again; the file, because a disk with room for RocksDB's small writes may
   * still refuse a large blob's pages. Blocking.
   *
   * @return empty when writes work, otherwise RocksDB's or the file system's reason
   */
  @Override
  public Optional<String> writeProblem() {
    if (closed.get()) {
      return Optional.of("storage closed");
    }
    try {
      engine.db.put(
          engine.handles.get(0),
          engine.syncWrites,
          PROBE_KEY,
          Long.toString(System.nanoTime()).getBytes(StandardCharsets.US_ASCII));
      return Optional.ofNullable(blobs.files().probe());
    } catch (RocksDBException e) {
      return Optional.of(String.valueOf(e.getMessage()));
    }
  }

  /**
   * Whether the store is open and can be read. Background errors (a full disk stops flushes and
   * compactions) do not make it unready, since reads still work and a proxy keeps serving hits;
   * they show in the detail.
   */
  @Override
  public StorageHealth health() {
    if (closed.get()) {
      return new StorageHealth(false, "storage closed");
    }
    try {
      engine.db.get(engine.handles.get(0), PROBE_KEY); // reads work
      String summary = blobs.count() + " blobs, " + blobs.totalBytes() + " bytes in " + path;
      long errors = engine.db.getLongProperty("rocksdb.background-errors");
      if (errors > 0) {
        summary += "; rocksdb reports " + errors + " background errors (writes may be refused)";
      }
      return new StorageHealth(true, summary);
    } catch (RocksDBException e) {
      return new StorageHealth(false, "rocksdb: " + e.getMessage());
    }
  }

  /**
   * RocksDB's background state (stalls, flushes, compactions); {@link EngineStats#CLOSED} once
   * closed.
   */
  @Override
  public EngineStats engineStats() {
    if (closed.get()) {
      return EngineStats.CLOSED;
    }
    try {
      return engine.stats();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading RocksDB's properties", e);
    }
  }

  private void flushAccessTimesQuietly() {
    try {
      blobs.flushAccessTimes();
      manifests.flushAccessTimes();
    } catch (RuntimeException e) {
      log.warn("flushing access times failed: {}", e.toString());
    }
  }

  /** Flushes access times, then closes RocksDB and frees its native resources. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    maintenance.shutdownNow();
    try {
      maintenance.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!readOnly) {
      flushAccessTimesQuietly();
      try {
        engine.db.syncWal();
      } catch (RocksDBException e) {
        log.warn("syncing the WAL at close failed: {}", e.toString());
      }
    }
    engine.close();
  }
}
