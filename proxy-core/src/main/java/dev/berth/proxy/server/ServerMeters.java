package dev.berth.proxy.server;

import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.storage.EngineStats;
import dev.berth.storage.Storage;

/**
 * Meters whose values the server reads from its parts: RocksDB's engine statistics and the
 * connection limit's counts.
 */
final class ServerMeters {
  private ServerMeters() {}

  /**
   * RocksDB's stalls, flushes and compactions (issue 14: a cold download waits on them). Read at
   * scrape time through the gate, so a scrape never touches a closed store.
   */
  static void bindEngineMeters(ProxyMetrics metrics, StorageGate storage) {
    java.util.function.Supplier<EngineStats> stats =
        () -> storage.call(Storage::engineStats, EngineStats.CLOSED);
    metrics.bindGauge(
        "berth.rocksdb.write.stopped",
        "1 while RocksDB stops writes (too many memtables or level-0 files)",
        () -> stats.get().writeStopped() ? 1 : 0);
    metrics.bindGauge(
        "berth.rocksdb.delayed.write.rate.bytes.per.second",
        "Rate RocksDB throttles writes to, 0 when writes are not delayed",
        () -> stats.get().delayedWriteRate());
    metrics.bindGauge(
        "berth.rocksdb.flushes.running",
        "Memtable flushes running",
        () -> stats.get().runningFlushes());
    metrics.bindGauge(
        "berth.rocksdb.flushes.pending",
        "Column families with a memtable flush pending",
        () -> stats.get().pendingFlushes());
    metrics.bindGauge(
        "berth.rocksdb.compactions.running",
        "Compactions running",
        () -> stats.get().runningCompactions());
    metrics.bindBytesGauge(
        "berth.rocksdb.compaction.pending",
        "Bytes compaction estimates it must rewrite",
        () -> stats.get().pendingCompactionBytes());
    metrics.bindGauge(
        "berth.rocksdb.background.errors",
        "RocksDB background errors since start (a full disk stops flushes)",
        () -> stats.get().backgroundErrors());
    metrics.bindCounter(
        "berth.rocksdb.write.stall.seconds",
        "Time RocksDB kept writes stalled or delayed since start",
        stats,
        s -> s.get().stallMicros() / 1e6);
    metrics.bindCounter(
        "berth.rocksdb.flushed.bytes",
        "Bytes RocksDB's memtable flushes wrote since start (table and blob files)",
        stats,
        s -> s.get().flushedBytes());
  }

  static void bindConnectionMeters(ProxyMetrics metrics, ConnectionLimit connections) {
    metrics.bindBytesGauge(
        ProxyMetrics.NETTY_DIRECT_MEMORY,
        "Direct memory Netty's pooled allocator holds (fan-out blocks, socket buffers)",
        () -> io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
    metrics.bindGauge(
        ProxyMetrics.CONNECTIONS_OPEN,
        "Open client connections on the registry listener",
        connections::openCount);
    metrics.bindCounter(
        ProxyMetrics.CONNECTIONS_REJECTED,
        "Client connections closed at accept because limits.max-connections were open",
        connections,
        ConnectionLimit::rejectedCount);
    metrics.bindCounter(
        ProxyMetrics.CONNECTIONS_HEADER_TIMEOUTS,
        "Client connections closed for sending no whole request head within"
            + " limits.header-timeout",
        connections,
        ConnectionLimit::timedOutCount);
  }
}
