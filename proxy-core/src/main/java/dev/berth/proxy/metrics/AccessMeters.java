package dev.berth.proxy.metrics;

import static dev.berth.proxy.metrics.ProxyMetrics.ACCESS_DECISIONS;
import static dev.berth.proxy.metrics.ProxyMetrics.CREDENTIAL_PLUGIN_RUNS;
import static dev.berth.proxy.metrics.ProxyMetrics.STALE_VERDICTS;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The counters of who may pull what: tenancy decisions and stale verdicts, as {@link
 * dev.berth.proxy.access.AccessPolicy} reports them, and credential provider plugin runs.
 */
final class AccessMeters implements dev.berth.proxy.access.AccessPolicy.Observer {
  private final MeterRegistry registry;

  AccessMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One tenancy decision (per request; decisions cached upstream-side still count here). */
  @Override
  public void decision(String basis, boolean allowed) {
    Counter.builder(ACCESS_DECISIONS)
        .description("Tenancy decisions by basis and result")
        .tag("basis", basis)
        .tag("result", allowed ? "allowed" : "denied")
        .register(registry)
        .increment();
  }

  @Override
  public void staleVerdict(String subject) {
    Counter.builder(STALE_VERDICTS)
        .description(
            "Access verdicts older than credentials.check-ttl used because their upstream"
                + " could not be asked (within max-stale)")
        .tag("subject", subject)
        .register(registry)
        .increment();
  }

  /**
   * One credential provider plugin run.
   *
   * @param outcome {@code ok}, or the failure: {@code start}, {@code exit}, {@code timeout}, {@code
   *     invalid-response}
   */
  public void credentialPluginRun(String provider, String outcome) {
    Counter.builder(CREDENTIAL_PLUGIN_RUNS)
        .description("Kubelet credential provider plugin runs by provider and outcome")
        .tag("provider", provider)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }
}
