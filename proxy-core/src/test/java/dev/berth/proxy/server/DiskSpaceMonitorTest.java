package dev.berth.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.pull.CacheWrites;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DiskSpaceMonitorTest {
  private final AtomicLong usable = new AtomicLong(10L << 30);
  private final AtomicReference<Optional<String>> probe = new AtomicReference<>(Optional.empty());
  private final AtomicInteger probes = new AtomicInteger();
  private final CacheWrites writes = new CacheWrites();
  private final DiskSpaceMonitor monitor =
      new DiskSpaceMonitor(
          Path.of("/var/lib/berth"),
          512L << 20,
          writes,
          usable::get,
          () -> {
            probes.incrementAndGet();
            return probe.get();
          });

  @Test
  void plentyOfSpace_keepsWritingWithoutProbing() {
    monitor.check();

    assertTrue(writes.accepting());
    assertEquals(0, probes.get(), "no probe write while all is well");
    assertEquals(10L << 30, monitor.lastUsableBytes());
  }

  @Test
  void belowMinFree_pausesWithAReasonNamingTheSetting() {
    usable.set(100L << 20);

    monitor.check();

    assertFalse(writes.accepting());
    assertEquals(
        "only 100.0 MiB free on the filesystem of /var/lib/berth, below storage.min-free 512.0 MiB",
        writes.pausedReason().orElseThrow());
  }

  @Test
  void spaceBackButStorageStillRefusing_staysPausedUntilTheProbeWrites() {
    writes.pause("committing x: disk full");
    probe.set(Optional.of("While appending to file: 000004.log: No space left on device"));

    monitor.check();
    assertFalse(writes.accepting());
    assertEquals(
        "storage refuses writes: While appending to file: 000004.log: No space left on device",
        writes.pausedReason().orElseThrow());

    probe.set(Optional.empty());
    monitor.check();
    assertTrue(writes.accepting(), "resumed once the probe write worked");
  }

  @Test
  void pausedForSpace_resumesWhenSpaceReturns() {
    usable.set(1L << 20);
    monitor.check();
    assertFalse(writes.accepting());

    usable.set(1L << 30);
    monitor.check();

    assertTrue(writes.accepting());
    assertEquals(1, probes.get(), "one probe before resuming");
  }

  @Test
  void unreadableFreeSpace_pausesSayingSo() {
    usable.set(-1);

    monitor.check();

    assertEquals(
        "cannot read the free space of the filesystem of /var/lib/berth",
        writes.pausedReason().orElseThrow());
  }
}
