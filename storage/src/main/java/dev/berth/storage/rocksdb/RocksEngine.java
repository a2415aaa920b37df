package dev.berth.storage.rocksdb;

import dev.berth.storage.EngineStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileManager;
import org.rocksdb.Statistics;
import org.rocksdb.StatsLevel;
import org.rocksdb.TickerType;
import org.rocksdb.WriteOptions;

/**
 * The open RocksDB database and the native objects it runs with: database and column-family
 * options, statistics, block cache, file manager, the owner-only file listener, and the shared
 * write and read options. Opens the column families of the layout in {@code package-info.java}
 * (their handles in the order of {@link #CF_CHUNKS} and the constants after it, the default family
 * first), reads RocksDB's background state, and frees every native resource on {@link #close}.
 */
final class RocksEngine {
  static final String CF_CHUNKS = "chunks";
  static final String CF_BLOBS = "blobs";
  static final String CF_UPLOADS = "uploads";
  static final String CF_MANIFESTS = "manifests";
  static final String CF_TAGS = "tags";
  static final String CF_LINKS = "links";
  static final String CF_MANIFEST_ACCESS = "manifest-access";
  static final String CF_PINS = "pins";
  static final String CF_VERDICTS = "verdicts";

  static {
    RocksDB.loadLibrary();
  }

  final RocksDB db;
  final List<ColumnFamilyHandle> handles;
  final WriteOptions syncWrites;
  final WriteOptions plainWrites;
  final ReadOptions readOptions;
  final FlushOptions flushChunks;

  /** Whether the {@code verdicts} column family is open (a read-only open may lack it). */
  final boolean withVerdicts;

  private final boolean readOnly;
  private final DBOptions dbOptions;
  private final Statistics statistics;
  private final List<ColumnFamilyOptions> cfOptions;
  private final LRUCache blockCache;
  private final SstFileManager sstFiles;
  private final OwnerOnlyFiles ownerOnly;

  RocksEngine(Path path, boolean readOnly) throws RocksDBException {
    this.readOnly = readOnly;
    this.blockCache = new LRUCache(64L << 20);
    // With a file manager attached, RocksDB recovers by itself from a full disk: it polls free
    // space and resumes writes once there is room, instead of staying read-only until reopened.
    this.sstFiles = new SstFileManager(Env.getDefault());
    this.ownerOnly = new OwnerOnlyFiles(path);
    // The write stall time and flush volume for metrics; the lowest level the Java API offers
    // (no detailed timers): the cold GET measured the same with and without it.
    this.statistics = new Statistics();
    statistics.setStatsLevel(StatsLevel.EXCEPT_DETAILED_TIMERS);
    this.dbOptions =
        new DBOptions()
            .setStatistics(statistics)
            .setSstFileManager(sstFiles)
            .setListeners(List.of(ownerOnly))
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setMaxBackgroundJobs(2)
            .setBytesPerSync(1 << 20)
            .setMaxTotalWalSize(256L << 20)
            .setKeepLogFileNum(3)
            .setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
    ColumnFamilyOptions chunkOptions =
        new ColumnFamilyOptions()
            // Layers arrive compressed already: compressing again costs CPU for nothing.
            .setCompressionType(CompressionType.NO_COMPRESSION)
            .setEnableBlobFiles(true)
            .setMinBlobSize(4 << 10)
            .setBlobFileSize(256L << 20)
            .setBlobCompressionType(CompressionType.NO_COMPRESSION)
            .setEnableBlobGarbageCollection(true)
            .setBlobGarbageCollectionAgeCutoff(0.25)
            .setWriteBufferSize(64L << 20)
            .setMaxWriteBufferNumber(3)
            .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache));
    ColumnFamilyOptions metaOptions =
        new ColumnFamilyOptions()
            .setWriteBufferSize(8L << 20)
            .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache));
    this.cfOptions = List.of(chunkOptions, metaOptions);

    List<ColumnFamilyDescriptor> descriptors =
        List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, metaOptions),
            descriptor(CF_CHUNKS, chunkOptions),
            descriptor(CF_BLOBS, metaOptions),
            descriptor(CF_UPLOADS, metaOptions),
            descriptor(CF_MANIFESTS, metaOptions),
            descriptor(CF_TAGS, metaOptions),
            descriptor(CF_LINKS, metaOptions),
            descriptor(CF_MANIFEST_ACCESS, metaOptions),
            descriptor(CF_PINS, metaOptions),
            descriptor(CF_VERDICTS, metaOptions));
    // A cache written by an older berth lacks the verdicts, and a read-only open cannot create
    // them (nor should it write anything): read it without, through an empty verdict store.
    this.withVerdicts = !readOnly || hasColumnFamily(path, CF_VERDICTS);
    if (!withVerdicts) {
      descriptors = descriptors.subList(0, descriptors.size() - 1);
    }
    this.handles = new ArrayList<>();
    this.db =
        readOnly
            ? RocksDB.openReadOnly(dbOptions, path.toString(), descriptors, handles)
            : RocksDB.open(dbOptions, path.toString(), descriptors, handles);
    if (!readOnly) {
      // LOG, MANIFEST, OPTIONS, the WAL: what opening created. A read-only open (berth export,
      // maybe as another user beside the server) leaves the files as they are.
      ownerOnly.sweep();
    }
    this.syncWrites = new WriteOptions().setSync(true);
    this.plainWrites = new WriteOptions();
    this.flushChunks = new FlushOptions().setWaitForFlush(true).setAllowWriteStall(true);
    // Chunk reads skip RocksDB's per-record checksum: on the blob files it costs 1.4 CPU-s per GB
    // served (measured: benchmarks/RESULTS.md), more than every other step of a warm read
    // together. A chunk's bytes were verified against the blob's digest before it became
    // visible, the file system stores them as any registry's would, and `berth verify` re-hashes
    // them; compaction and blob GC still check the checksums when they rewrite files.
    this.readOptions = new ReadOptions().setVerifyChecksums(false);
  }

  private static boolean hasColumnFamily(Path path, String name) throws RocksDBException {
    try (org.rocksdb.Options listing = new org.rocksdb.Options()) {
      for (byte[] present : RocksDB.listColumnFamilies(listing, path.toString())) {
        if (new String(present, StandardCharsets.UTF_8).equals(name)) {
          return true;
        }
      }
    }
    return false;
  }

  private static ColumnFamilyDescriptor descriptor(String name, ColumnFamilyOptions options) {
    return new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), options);
  }

  /** RocksDB's background state (stalls, flushes, compactions). */
  EngineStats stats() throws RocksDBException {
    long pendingFlushes = 0;
    long pendingCompaction = 0;
    for (ColumnFamilyHandle handle : handles) {
      pendingFlushes += db.getLongProperty(handle, "rocksdb.mem-table-flush-pending");
      pendingCompaction += db.getLongProperty(handle, "rocksdb.estimate-pending-compaction-bytes");
    }
    return new EngineStats(
        db.getLongProperty("rocksdb.is-write-stopped") > 0,
        db.getLongProperty("rocksdb.actual-delayed-write-rate"),
        db.getLongProperty("rocksdb.num-running-flushes"),
        pendingFlushes,
        db.getLongProperty("rocksdb.num-running-compactions"),
        pendingCompaction,
        db.getLongProperty("rocksdb.background-errors"),
        statistics.getTickerCount(TickerType.STALL_MICROS),
        // Counts the blob files a flush writes too: a 256 MiB blob showed 256 MiB here.
        statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES));
  }

  /** Closes the handles and the database, then frees the native objects. Call once. */
  void close() {
    for (ColumnFamilyHandle handle : handles) {
      handle.close();
    }
    db.close();
    if (!readOnly) {
      ownerOnly.sweep(); // what closing wrote: the last flush's files
    }
    ownerOnly.close();
    syncWrites.close();
    plainWrites.close();
    readOptions.close();
    flushChunks.close();
    dbOptions.close();
    statistics.close();
    cfOptions.forEach(ColumnFamilyOptions::close);
    blockCache.close();
    sstFiles.close();
  }
}
