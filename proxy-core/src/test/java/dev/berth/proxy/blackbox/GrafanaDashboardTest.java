package dev.berth.proxy.blackbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.metrics.ProxyMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every series the Grafana dashboard and the alerts query ({@code
 * k8s/overlays/monitoring/berth-dashboard.json}, {@code .../prometheusrule.yaml}) is one berth
 * exports: a renamed metric breaks this test, not the operators' dashboards and alerts.
 */
class GrafanaDashboardTest {
  private static final Path MONITORING = Path.of("..", "k8s", "overlays", "monitoring");
  private static final Path DASHBOARD = MONITORING.resolve("berth-dashboard.json");
  private static final Path RULES = MONITORING.resolve("prometheusrule.yaml");
  private static final Pattern SERIES = Pattern.compile("\\b(berth_[a-z_]+|jvm_[a-z_]+)");

  @TempDir Path dir;

  @Test
  void everyQueriedSeriesIsExported() throws Exception {
    Set<String> queried = new TreeSet<>();
    Matcher m = SERIES.matcher(Files.readString(DASHBOARD));
    while (m.find()) {
      queried.add(m.group(1));
    }
    assertTrue(queried.size() > 15, "the dashboard queries " + queried);
    Set<String> alerted = new TreeSet<>();
    Matcher r = SERIES.matcher(Files.readString(RULES));
    while (r.find()) {
      alerted.add(r.group(1));
    }
    assertTrue(alerted.size() >= 5, "the alerts query " + alerted);
    queried.addAll(alerted);

    Set<String> exported = new TreeSet<>();
    try (RunningBerth berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream("upstream.test", "http://127.0.0.1:9", "always")
                + "storage:\n  max-size: 1GiB\n")) { // the cap's gauge exists with a cap
      berth.get("/v2/");
      for (String line : berth.metrics().split("\n")) {
        if (!line.startsWith("#") && !line.isBlank()) {
          exported.add(line.replaceAll("[{ ].*", ""));
        }
      }
    }
    // Registered on first use (per upstream, per decision): named from the same constants.
    exported.add(prometheus(ProxyMetrics.STALE_SERVES) + "_total");
    exported.add(prometheus(ProxyMetrics.ACCESS_DECISIONS) + "_total");
    exported.add(prometheus(ProxyMetrics.STALE_VERDICTS) + "_total");
    exported.add(prometheus(ProxyMetrics.CREDENTIAL_PLUGIN_RUNS) + "_total");
    exported.add(prometheus(ProxyMetrics.RATELIMIT_REMAINING));
    exported.add(prometheus(ProxyMetrics.RATELIMIT_LIMIT));
    exported.add(prometheus(ProxyMetrics.UPSTREAM_REQUESTS) + "_seconds_count");
    exported.add(prometheus(ProxyMetrics.UPSTREAM_REQUESTS) + "_seconds_sum");
    exported.add(prometheus(ProxyMetrics.UPSTREAM_REQUESTS) + "_seconds_bucket");

    Set<String> missing = new TreeSet<>(queried);
    missing.removeAll(exported);
    assertTrue(
        missing.isEmpty(),
        "the dashboard or the alerts query series berth does not export: " + missing);
  }

  private static String prometheus(String micrometerName) {
    return micrometerName.replace('.', '_');
  }
}
