package dev.berth.proxy.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The ImagePullBackOff sequence of docs/protocol.md §2.3, on a clock moved by hand. */
class BackoffTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final Backoff backoff = new Backoff(clock);

  @Test
  void failure_windowsDoubleFrom10sTo300s() {
    long[] expected = {10, 20, 40, 80, 160, 300, 300};
    for (long seconds : expected) {
      assertEquals(Duration.ofSeconds(seconds), backoff.failure("up", Optional.empty()));
      clock.advance(Duration.ofSeconds(1));
    }
  }

  @Test
  void closedUntil_insideWindowOnly() {
    backoff.failure("up", Optional.empty());
    assertEquals(Optional.of(clock.instant().plusSeconds(10)), backoff.closedUntil("up"));
    assertTrue(backoff.closedUntil("other").isEmpty());
    clock.advance(Duration.ofSeconds(10));
    assertTrue(backoff.closedUntil("up").isEmpty());
    assertEquals(0, backoff.closedCount());
  }

  @Test
  void success_resets() {
    backoff.failure("up", Optional.empty());
    backoff.failure("up", Optional.empty());
    backoff.success("up");
    assertEquals(Duration.ofSeconds(10), backoff.failure("up", Optional.empty()));
  }

  @Test
  void quietFor600s_resets() {
    backoff.failure("up", Optional.empty());
    backoff.failure("up", Optional.empty());
    clock.advance(Duration.ofSeconds(601));
    assertEquals(Duration.ofSeconds(10), backoff.failure("up", Optional.empty()));
  }

  @Test
  void retryAfter_longerThanWindow_setsIt() {
    assertEquals(
        Duration.ofSeconds(120), backoff.failure("up", Optional.of(Duration.ofSeconds(120))));
    assertEquals(
        Duration.ofSeconds(240), backoff.failure("up", Optional.of(Duration.ofSeconds(5))));
  }
}
