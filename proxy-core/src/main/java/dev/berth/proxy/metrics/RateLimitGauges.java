package dev.berth.proxy.metrics;

import static dev.berth.proxy.metrics.ProxyMetrics.RATELIMIT_LIMIT;
import static dev.berth.proxy.metrics.ProxyMetrics.RATELIMIT_REMAINING;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The rate-limit gauges of each upstream (Docker Hub's {@code ratelimit-limit} and {@code
 * ratelimit-remaining}), a pair registered on the first values an upstream reports and set on every
 * report after.
 */
final class RateLimitGauges {
  private final MeterRegistry registry;

  private final java.util.Map<String, java.util.concurrent.atomic.AtomicLong[]> rateLimits =
      new java.util.concurrent.ConcurrentHashMap<>();

  RateLimitGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  void set(String upstream, long limit, long remaining) {
    java.util.concurrent.atomic.AtomicLong[] values =
        rateLimits.computeIfAbsent(
            upstream,
            u -> {
              var pair =
                  new java.util.concurrent.atomic.AtomicLong[] {
                    new java.util.concurrent.atomic.AtomicLong(),
                    new java.util.concurrent.atomic.AtomicLong()
                  };
              Gauge.builder(RATELIMIT_LIMIT, pair[0], java.util.concurrent.atomic.AtomicLong::get)
                  .description("Pulls the upstream allows per rate-limit window (Docker Hub)")
                  .tag("upstream", u)
                  .register(registry);
              Gauge.builder(
                      RATELIMIT_REMAINING, pair[1], java.util.concurrent.atomic.AtomicLong::get)
                  .description("Pulls left in the upstream's rate-limit window (Docker Hub)")
                  .tag("upstream", u)
                  .register(registry);
              return pair;
            });
    values[0].set(limit);
    values[1].set(remaining);
  }
}
