/**
 * Metrics: every meter name berth defines, in {@link dev.berth.proxy.metrics.ProxyMetrics}, and the
 * Prometheus registry with the JVM and process meters, in {@link
 * dev.berth.proxy.metrics.PrometheusMetrics}.
 */
@NullMarked
package dev.berth.proxy.metrics;

import org.jspecify.annotations.NullMarked;
