package dev.berth.auth.credential;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Node keyring lookup, as {@code UpstreamCredentials.candidates} runs it on every proxied request
 * ({@code keyring.lookup(upstream + "/" + repository)}), on a keyring of {@code keys} config keys:
 * Docker Hub's {@code https://index.docker.io/v1/}, globs ({@code *.gcr.io}, {@code *.azurecr.io},
 * {@code *.pkg.dev}), host-and-path keys ({@code registry.internal:5000/team}, {@code
 * ghcr.io/org/team}) and ECR account hosts.
 *
 * <ul>
 *   <li>{@code KEYRING}: {@link CredentialKeyring#lookup} (re-parses the image as a URL, then runs
 *       every key's {@link CredentialGlob}).
 *   <li>{@code NAIVE_SCAN}: the baseline: a linear scan of the normalized keys with {@code equals}
 *       / {@code endsWith} on the host ({@code *.} globs only) and {@code startsWith} on the path,
 *       then the same Docker Hub fallback. It does not implement the kubelet's rules (ports, part
 *       counts, {@code ?}/{@code []} globs, ordering) and is only a floor.
 *   <li>{@code MEMOIZED}: {@code KEYRING} behind a {@link ConcurrentHashMap} per keyring instance,
 *       i.e. what a per-repository memo in {@code UpstreamCredentials} would cost on a hit.
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CredentialKeyringBenchmark -prof gc}.
 * Figures: benchmarks/jmh-hotpaths.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx512m", "-XX:+IgnoreUnrecognizedVMOptions", "-XX:UseAVX=2"})
public class CredentialKeyringBenchmark {

  /** The implementations compared. */
  public enum Impl {
    KEYRING,
    NAIVE_SCAN,
    MEMOIZED
  }

  /** Config keys as they appear in config.json files; the first ones are the common ones. */
  static final List<String> CONFIG_KEYS = configKeys();

  /** {@code upstream/repository} as UpstreamCredentials builds it; popular ones repeat. */
  static final String[] IMAGES = {
    "docker.io/library/nginx",
    "docker.io/library/nginx",
    "docker.io/library/redis",
    "docker.io/bitnami/postgresql",
    "ghcr.io/org/team/app",
    "ghcr.io/other/tool",
    "mirror.gcr.io/library/busybox",
    "registry.k8s.io/pause",
    "registry.k8s.io/kube-proxy",
    "quay.io/prometheus/node-exporter",
    "registry.internal:5000/team/app",
    "registry.internal:5000/team/sub/worker",
    "100000055433.dkr.ecr.eu-west-1.amazonaws.com/payments/api",
    "myreg.azurecr.io/web/frontend",
    "europe-west1-docker.pkg.dev/project-b/images/app",
    "harbor.corp.example.com/library/base",
  };

  @Param({"KEYRING", "NAIVE_SCAN", "MEMOIZED"})
  public Impl impl;

  @Param({"3", "50"})
  public int keys;

  private CredentialKeyring keyring;
  private NaiveKeyring naive;
  private final ConcurrentHashMap<String, List<Credential>> memo = new ConcurrentHashMap<>();
  private int next;

  @Setup
  public void setUp() {
    CredentialKeyring.Builder builder = CredentialKeyring.builder();
    List<String> used = CONFIG_KEYS.subList(0, keys);
    for (int i = 0; i < used.size(); i++) {
      builder.add(used.get(i), Credential.basic("user" + i, "secret" + i));
    }
    if (!builder.warnings().isEmpty()) {
      throw new IllegalStateException(builder.warnings().toString());
    }
    keyring = builder.build();
    naive = new NaiveKeyring(keyring);
    int matched = 0;
    for (String image : IMAGES) {
      if (!keyring.lookup(image).isEmpty()) {
        matched++;
      }
    }
    if (keys == CONFIG_KEYS.size() && matched < IMAGES.length / 2) {
      throw new IllegalStateException("the image mix should mostly hit keys, hit " + matched);
    }
  }

  @Benchmark
  public List<Credential> lookup() {
    String image = IMAGES[next++ & (IMAGES.length - 1)];
    switch (impl) {
      case KEYRING:
        return keyring.lookup(image);
      case NAIVE_SCAN:
        return naive.lookup(image);
      default:
        return memo.computeIfAbsent(image, keyring::lookup);
    }
  }

  /** Linear scan with plain string tests; see the class comment. */
  static final class NaiveKeyring {
    private final String[] hosts;
    private final String[] paths;
    private final List<List<Credential>> credentials = new ArrayList<>();
    private final List<Credential> dockerHub;

    NaiveKeyring(CredentialKeyring keyring) {
      List<String> stored = keyring.keys();
      hosts = new String[stored.size()];
      paths = new String[stored.size()];
      for (int i = 0; i < stored.size(); i++) {
        String key = stored.get(i);
        int slash = key.indexOf('/');
        hosts[i] = slash < 0 ? key : key.substring(0, slash);
        paths[i] = slash < 0 ? "" : key.substring(slash);
        credentials.add(keyring.credentialsFor(key));
      }
      dockerHub = keyring.credentialsFor(CredentialKeyring.DEFAULT_REGISTRY_KEY);
    }

    List<Credential> lookup(String image) {
      int slash = image.indexOf('/');
      String host = slash < 0 ? image : image.substring(0, slash);
      String path = slash < 0 ? "" : image.substring(slash);
      List<Credential> found = null;
      for (int i = 0; i < hosts.length; i++) {
        String h = hosts[i];
        boolean hostMatches = h.startsWith("*.") ? host.endsWith(h.substring(1)) : host.equals(h);
        if (hostMatches && path.startsWith(paths[i])) {
          if (found == null) {
            found = new ArrayList<>();
          }
          found.addAll(credentials.get(i));
        }
      }
      if (found != null) {
        return found;
      }
      return CredentialKeyring.isDefaultRegistryMatch(image) ? dockerHub : List.of();
    }
  }

  private static List<String> configKeys() {
    List<String> keys =
        new ArrayList<>(
            List.of(
                "https://index.docker.io/v1/",
                "*.gcr.io",
                "registry.internal:5000/team",
                "gcr.io",
                "ghcr.io/org",
                "ghcr.io/org/team",
                "quay.io/prometheus",
                "*.pkg.dev",
                "us-docker.pkg.dev/project-a",
                "europe-west1-docker.pkg.dev",
                "*.azurecr.io",
                "myreg.azurecr.io",
                "registry.gitlab.com/group",
                "registry.internal:5000",
                "registry.internal:5000/team/sub",
                "harbor.corp.example.com",
                "harbor.corp.example.com/library",
                "*.corp.example.com",
                "https://nexus.example.net:8443/v2/",
                "public.ecr.aws/org"));
    String[] regions = {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"};
    for (int i = 0; keys.size() < 50; i++) {
      keys.add((100_000_000_000L + i * 7_919L) + ".dkr.ecr." + regions[i % 5] + ".amazonaws.com");
    }
    return List.copyOf(keys);
  }
}
