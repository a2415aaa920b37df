package dev.berth.storage;

/**
 * What RocksDB's background work is doing, for metrics: write stalls and stops (a cold download
 * waits on them), flushes and compactions. Read from RocksDB's properties (O(1), no I/O).
 *
 * @param writeStopped writes are stopped (too many memtables or L0 files, or pending compaction)
 * @param delayedWriteRate bytes per second writes are throttled to, 0 when not delayed
 * @param runningFlushes memtable flushes running now
 * @param pendingFlushes column families with a memtable flush pending
 * @param runningCompactions compactions running now
 * @param pendingCompactionBytes bytes compaction estimates it must rewrite
 * @param backgroundErrors background errors since open (a full disk stops flushes)
 * @param stallMicros time writes spent stalled or delayed since open, in microseconds
 * @param flushedBytes bytes memtable flushes wrote since open (table and blob files)
 */
public record EngineStats(
    boolean writeStopped,
    long delayedWriteRate,
    long runningFlushes,
    long pendingFlushes,
    long runningCompactions,
    long pendingCompactionBytes,
    long backgroundErrors,
    long stallMicros,
    long flushedBytes) {
  /** What a closed store reports. */
  public static final EngineStats CLOSED = new EngineStats(false, 0, 0, 0, 0, 0, 0, 0, 0);
}
