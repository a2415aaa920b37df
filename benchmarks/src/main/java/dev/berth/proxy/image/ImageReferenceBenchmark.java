package dev.berth.proxy.image;

import dev.berth.proxy.api.V2Path;
import dev.berth.proxy.config.UpstreamConfig;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.Upstream;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.Digest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Name and reference parsing, twice over:
 *
 * <ul>
 *   <li>{@code request*}: what every {@code /v2/} request pays before any I/O, on a mix of
 *       containerd-style ({@code ?ns=}) and path-named requests for manifests (tag or digest) and
 *       blobs. {@code requestBerth} is the real path ({@link V2Path#parse}, {@link
 *       UpstreamRouter#route} with its {@link RepositoryName#parse}, then {@link Reference#parse}
 *       or {@link Digest#parse}); {@code requestOneRegex} is the naive baseline, the distribution
 *       grammar over the whole request path as one {@link Pattern}; {@code requestScanner} is a
 *       hand-written scanner of the same grammar, to show what dropping regular expressions would
 *       buy.
 *   <li>{@code imageReference*}: {@link ImageReference#parse} (two regex passes plus {@link
 *       Digest#parse}) against distribution's {@code ReferenceRegexp} with the domain split as one
 *       {@link Pattern}, on image strings as users write them. Not on the request path today (the
 *       CLI and config use it).
 * </ul>
 *
 * <p>Every input is valid; setup checks that the three request parsers agree on all of them. One
 * operation is one parse; inputs cycle through a fixed, weighted mix.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ImageReferenceBenchmark -prof gc}.
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
public class ImageReferenceBenchmark {
  private static final String SHA =
      "sha256:6a2e1c7d3f4b5a69788a1b2c3d4e5f60718293a4b5c6d7e8f9012345678abcde";

  /** {@code path?ns=...} pairs; popular images repeat, as in a node's pull mix. */
  private static final String[][] REQUESTS = {
    {"/v2/library/nginx/manifests/1.25", "docker.io"},
    {"/v2/library/nginx/blobs/" + SHA, "docker.io"},
    {"/v2/library/nginx/blobs/" + SHA, "docker.io"},
    {"/v2/library/nginx/manifests/" + SHA, "docker.io"},
    {"/v2/nginx/manifests/latest", null},
    {"/v2/bitnami/redis/blobs/" + SHA, null},
    {"/v2/org/app/manifests/v1.2.3", "ghcr.io"},
    {"/v2/org/app/blobs/" + SHA, "ghcr.io"},
    {"/v2/ghcr.io/org/team/service-api/manifests/2024.11.25-rc.1", null},
    {"/v2/ghcr.io/org/team/service-api/blobs/" + SHA, null},
    {"/v2/pause/manifests/3.9", "registry.k8s.io"},
    {"/v2/registry.k8s.io/kube-proxy/blobs/" + SHA, null},
    {"/v2/prometheus/node-exporter/manifests/v1.7.0", "quay.io"},
    {"/v2/prometheus/node-exporter/blobs/" + SHA, "quay.io"},
    {"/v2/localhost:5000/team/app/manifests/dev_build-42", null},
    {"/v2/localhost:5000/team/app/blobs/" + SHA, null},
  };

  private static final String[] IMAGES = {
    "nginx",
    "nginx:1.25",
    "library/nginx:1.25-alpine",
    "bitnami/redis:7.2",
    "ghcr.io/org/app:1.0",
    "ghcr.io/org/team/service-api:2024.11.25-rc.1",
    "registry.k8s.io/pause:3.9",
    "quay.io/prometheus/node-exporter:v1.7.0",
    "nginx@" + SHA,
    "docker.io/library/alpine:3.19@" + SHA,
    "ghcr.io/org/app@" + SHA,
    "localhost:5000/team/app:dev_build-42",
    "my-registry.example.com:8443/a/b/c/d:latest",
    "mcr.microsoft.com/dotnet/aspnet:8.0",
    "gcr.io/distroless/static-debian12:nonroot",
    "alpine",
  };

  /** distribution's ReferenceRegexp with the domain captured separately, in one pattern. */
  private static final Pattern ONE_REFERENCE =
      Pattern.compile(
          "(?:("
              + ReferenceGrammar.DOMAIN
              + ")/)?("
              + ReferenceGrammar.PATH
              + ")(?::("
              + ReferenceGrammar.TAG
              + "))?(?:@("
              + ReferenceGrammar.DIGEST
              + "))?");

  /** A whole pull request path in one pattern: name, then a manifest reference or a blob digest. */
  private static final Pattern ONE_REQUEST =
      Pattern.compile(
          "/v2/((?:"
              + ReferenceGrammar.DOMAIN
              + "/)?"
              + ReferenceGrammar.PATH
              + ")/(?:manifests/("
              + ReferenceGrammar.TAG
              + "|"
              + ReferenceGrammar.DIGEST
              + ")|blobs/("
              + ReferenceGrammar.DIGEST
              + "))");

  /** What the one-regex baseline produces for an image string: strings only, digest unchecked. */
  record RawReference(
      @Nullable String domain, String path, @Nullable String tag, @Nullable String digest) {}

  /** What a request parser produces: upstream name, repository, and tag or digest. */
  record ParsedRequest(String upstream, String repository, Object reference) {}

  private UpstreamRouter router;
  private Map<String, String> upstreamByHost;
  private int next;

  @Setup
  public void setUp() {
    List<Upstream> upstreams = new ArrayList<>();
    upstreams.add(
        new Upstream(
            UpstreamConfig.of("docker.io", URI.create("https://registry-1.docker.io"))
                .withDefault(true)));
    for (String host : List.of("ghcr.io", "registry.k8s.io", "quay.io", "localhost:5000")) {
      upstreams.add(new Upstream(UpstreamConfig.of(host, URI.create("https://" + host))));
    }
    router = new UpstreamRouter(upstreams);
    upstreamByHost =
        Map.of(
            "docker.io", "docker.io",
            "index.docker.io", "docker.io",
            "ghcr.io", "ghcr.io",
            "registry.k8s.io", "registry.k8s.io",
            "quay.io", "quay.io",
            "localhost:5000", "localhost:5000");
    for (String[] r : REQUESTS) {
      ParsedRequest berth = requestBerth(r[0], r[1]);
      ParsedRequest regex = requestOneRegex(r[0], r[1]);
      ParsedRequest scanner = requestScanner(r[0], r[1]);
      if (!berth.equals(regex) || !berth.equals(scanner)) {
        throw new IllegalStateException(
            "parsers disagree on " + r[0] + ": " + berth + " / " + regex + " / " + scanner);
      }
    }
    for (String image : IMAGES) {
      ImageReference berth = ImageReference.parse(image);
      RawReference raw = oneRegex(image);
      if (!berth.path().equals(raw.path())
          || !berth.domain().equals(Objects.requireNonNullElse(raw.domain(), ""))
          || !Objects.equals(berth.tag(), raw.tag())) {
        throw new IllegalStateException("parsers disagree on " + image);
      }
    }
  }

  @Benchmark
  public ParsedRequest requestBerth() {
    String[] r = REQUESTS[next++ & (REQUESTS.length - 1)];
    return requestBerth(r[0], r[1]);
  }

  @Benchmark
  public ParsedRequest requestOneRegex() {
    String[] r = REQUESTS[next++ & (REQUESTS.length - 1)];
    return requestOneRegex(r[0], r[1]);
  }

  @Benchmark
  public ParsedRequest requestScanner() {
    String[] r = REQUESTS[next++ & (REQUESTS.length - 1)];
    return requestScanner(r[0], r[1]);
  }

  @Benchmark
  public ImageReference imageReferenceBerth() {
    return ImageReference.parse(IMAGES[next++ & (IMAGES.length - 1)]);
  }

  @Benchmark
  public RawReference imageReferenceOneRegex() {
    return oneRegex(IMAGES[next++ & (IMAGES.length - 1)]);
  }

  /** PullRoutes + ManifestRoute/BlobRoute, minus the HTTP objects. */
  private ParsedRequest requestBerth(String path, @Nullable String ns) {
    V2Path p = V2Path.parse(path).orElseThrow();
    RoutedRepository repo = router.route(ns, p.name());
    String ref = Objects.requireNonNull(p.reference());
    Object reference =
        p.route() == V2Path.Route.BLOB ? Digest.parse(ref) : referenceValue(Reference.parse(ref));
    return new ParsedRequest(repo.upstream().name(), repo.repository().value(), reference);
  }

  private static Object referenceValue(Reference r) {
    return r instanceof Reference.DigestReference d ? d.digest() : ((Reference.Tag) r).value();
  }

  private ParsedRequest requestOneRegex(String path, @Nullable String ns) {
    Matcher m = ONE_REQUEST.matcher(path);
    if (!m.matches()) {
      throw new IllegalArgumentException(path);
    }
    String name = m.group(1);
    String upstream;
    if (ns != null) {
      upstream = upstreamByHost.get(ns);
    } else {
      int slash = name.indexOf('/');
      String first = slash > 0 ? name.substring(0, slash) : "";
      upstream = slash > 0 ? upstreamByHost.get(first) : null;
      if (upstream != null) {
        name = name.substring(slash + 1);
      } else {
        upstream = "docker.io";
      }
    }
    if ("docker.io".equals(upstream) && name.indexOf('/') < 0) {
      name = "library/" + name;
    }
    Object reference;
    if (m.group(3) != null) {
      reference = Digest.parse(m.group(3));
    } else {
      String ref = m.group(2);
      reference = ref.indexOf(':') >= 0 ? Digest.parse(ref) : ref;
    }
    return new ParsedRequest(upstream, name, reference);
  }

  private ParsedRequest requestScanner(String path, @Nullable String ns) {
    if (!path.startsWith("/v2/")) {
      throw new IllegalArgumentException(path);
    }
    int manifests = path.lastIndexOf("/manifests/");
    int blobs = path.lastIndexOf("/blobs/");
    boolean blob = blobs > manifests;
    int cut = blob ? blobs : manifests;
    if (cut < 4) {
      throw new IllegalArgumentException(path);
    }
    String name = path.substring(4, cut);
    String ref = path.substring(cut + (blob ? 7 : 11));
    String upstream;
    if (ns != null) {
      upstream = upstreamByHost.get(ns);
    } else {
      int slash = name.indexOf('/');
      String first = slash > 0 ? name.substring(0, slash) : "";
      if (slash > 0 && ImageReference.looksLikeRegistryHost(first)) {
        upstream = upstreamByHost.get(first);
        if (upstream == null) {
          throw new IllegalArgumentException("unconfigured upstream " + first);
        }
        name = name.substring(slash + 1);
      } else {
        upstream = "docker.io";
      }
    }
    if ("docker.io".equals(upstream) && name.indexOf('/') < 0) {
      name = "library/" + name;
    }
    if (!isRepositoryPath(name)) {
      throw new IllegalArgumentException(name);
    }
    Object reference;
    if (blob || ref.indexOf(':') >= 0) {
      reference = Digest.parse(ref);
    } else if (isTag(ref)) {
      reference = ref;
    } else {
      throw new IllegalArgumentException(ref);
    }
    return new ParsedRequest(upstream, name, reference);
  }

  /** {@link ReferenceGrammar#PATH} without a regex: components joined by separators and '/'. */
  static boolean isRepositoryPath(String s) {
    int n = s.length();
    if (n == 0 || n > ReferenceGrammar.MAX_PATH_LENGTH) {
      return false;
    }
    int i = 0;
    while (true) {
      if (i >= n || !isLowerAlnum(s.charAt(i))) {
        return false;
      }
      while (i < n && isLowerAlnum(s.charAt(i))) {
        i++;
      }
      if (i == n) {
        return true;
      }
      char c = s.charAt(i++);
      if (c == '_') {
        if (i < n && s.charAt(i) == '_') {
          i++;
        }
      } else if (c == '-') {
        while (i < n && s.charAt(i) == '-') {
          i++;
        }
      } else if (c != '.' && c != '/') {
        return false;
      }
    }
  }

  /** {@link ReferenceGrammar#TAG} without a regex. */
  static boolean isTag(String s) {
    int n = s.length();
    if (n == 0 || n > 128 || !isWord(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = s.charAt(i);
      if (!isWord(c) && c != '.' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLowerAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  private static boolean isWord(char c) {
    return isLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static RawReference oneRegex(String s) {
    Matcher m = ONE_REFERENCE.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException(s);
    }
    return new RawReference(m.group(1), m.group(2), m.group(3), m.group(4));
  }
}
