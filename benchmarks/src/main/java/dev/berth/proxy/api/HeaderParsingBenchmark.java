package dev.berth.proxy.api;

import dev.berth.proxy.image.MediaTypes;
import dev.berth.storage.BlobRange;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The two request headers berth parses itself:
 *
 * <ul>
 *   <li>{@code accept*}: what {@code ManifestRoute} does per manifest request, {@link
 *       AcceptHeader#parse} of all {@code Accept} values and one {@link AcceptHeader#accepts} of
 *       the stored media type, on the headers containerd, Docker, skopeo/podman, crane and a
 *       q-value-carrying client send. Baseline {@code acceptNaiveSplit}: {@code split(",")}, {@code
 *       trim}, cut at {@code ;}, compare, without building a set.
 *   <li>{@code range*}: {@link ByteRangeHeader#parse} (a regex) of {@code Range: bytes=a-b} forms
 *       (containerd's {@code bytes=N-} resume, closed ranges, suffixes). Baseline {@code
 *       rangeNaiveSplit}: {@code substring} + {@code split("-")} + {@code Long.parseLong}. A
 *       request without {@code Range} (most blob requests) returns before any parsing and is not
 *       measured.
 * </ul>
 *
 * <p>One operation is one request's headers; inputs cycle through the mix.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar HeaderParsingBenchmark -prof gc}.
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
public class HeaderParsingBenchmark {
  private static final String DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json";
  private static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String V1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  private static final String V1 = "application/vnd.docker.distribution.manifest.v1+json";

  /** The Accept header values of one request each, as the clients send them. */
  private static final List<List<String>> ACCEPTS =
      List.of(
          // containerd 1.7 / 2.0 resolver: one header, ", "-joined, with */*
          List.of(String.join(", ", DOCKER_V2, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX, "*/*")),
          // Docker (moby distribution client): one header line per type
          List.of(DOCKER_V2, DOCKER_LIST, OCI_INDEX, OCI_MANIFEST, V1_SIGNED, "application/json"),
          // skopeo / podman (containers/image): one line per type
          List.of(OCI_MANIFEST, DOCKER_V2, V1_SIGNED, V1, DOCKER_LIST, OCI_INDEX),
          // crane (go-containerregistry): ","-joined, no spaces
          List.of(String.join(",", V1, V1_SIGNED, DOCKER_V2, OCI_MANIFEST, DOCKER_LIST, OCI_INDEX)),
          // a client with parameters and q-values
          List.of(OCI_INDEX + ";q=0.9, " + OCI_MANIFEST + "; charset=utf-8, " + DOCKER_V2));

  /** What is stored: most served manifests are indexes. */
  private static final String[] STORED = {OCI_INDEX, DOCKER_LIST, OCI_INDEX, OCI_MANIFEST};

  private static final String[] RANGES = {
    "bytes=0-", "bytes=1048576-", "bytes=0-1023", "bytes=-512", "bytes=104857600-209715199",
  };

  private int next;

  @Setup
  public void check() {
    for (List<String> accept : ACCEPTS) {
      for (String stored : STORED) {
        if (AcceptHeader.parse(accept).accepts(stored) != naiveAccepts(accept, stored)) {
          throw new IllegalStateException("accept parsers disagree on " + accept + " / " + stored);
        }
      }
    }
    for (String range : RANGES) {
      if (!ByteRangeHeader.parse(range).equals(naiveRange(range))) {
        throw new IllegalStateException("range parsers disagree on " + range);
      }
    }
  }

  @Benchmark
  public boolean acceptBerth() {
    int i = next++;
    return AcceptHeader.parse(ACCEPTS.get(i % ACCEPTS.size()))
        .accepts(STORED[i & (STORED.length - 1)]);
  }

  @Benchmark
  public boolean acceptNaiveSplit() {
    int i = next++;
    return naiveAccepts(ACCEPTS.get(i % ACCEPTS.size()), STORED[i & (STORED.length - 1)]);
  }

  @Benchmark
  public BlobRange rangeBerth() {
    return ByteRangeHeader.parse(RANGES[next++ % RANGES.length]);
  }

  @Benchmark
  public BlobRange rangeNaiveSplit() {
    return naiveRange(RANGES[next++ % RANGES.length]);
  }

  private static boolean naiveAccepts(List<String> headers, String mediaType) {
    if (headers.isEmpty()) {
      return true;
    }
    for (String header : headers) {
      for (String item : header.split(",")) {
        int semicolon = item.indexOf(';');
        String type = (semicolon >= 0 ? item.substring(0, semicolon) : item).trim();
        if (type.equals(mediaType) || type.equals("*/*") || type.equals("application/*")) {
          return true;
        }
      }
    }
    return false;
  }

  private static BlobRange naiveRange(String header) {
    if (!header.startsWith("bytes=")) {
      throw new IllegalArgumentException(header);
    }
    String[] parts = header.substring(6).split("-", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException(header);
    }
    if (parts[0].isEmpty()) {
      return BlobRange.suffix(Long.parseLong(parts[1]));
    }
    long from = Long.parseLong(parts[0]);
    return parts[1].isEmpty()
        ? BlobRange.from(from)
        : BlobRange.closed(from, Long.parseLong(parts[1]));
  }

  static {
    // The stored types are already normalized, as ManifestService stores them.
    for (String t : STORED) {
      if (!MediaTypes.normalize(t).equals(t)) {
        throw new IllegalStateException(t);
      }
    }
  }
}
