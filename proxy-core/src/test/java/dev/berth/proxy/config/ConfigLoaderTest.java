package dev.berth.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.policy.PullPolicy;
import dev.berth.proxy.policy.RepositoryPolicy;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void load_noFileNoOptions_givesEmbeddedDefaults() {
    BerthConfig config = ConfigLoader.load(Optional.empty(), CommandLineOverrides.none());

    assertEquals(new HostPort("127.0.0.1", 5000), config.listen());
    assertEquals(new HostPort("127.0.0.1", 9090), config.admin());
    assertEquals(
        new StorageConfig(
            Path.of("./berth-data"),
            Optional.of(DiskSize.percent(25)),
            1 << 20,
            DiskSize.percent(20),
            Optional.empty(),
            List.of()),
        config.storage());
    assertEquals(
        List.of(
            upstream("docker.io", "https://registry-1.docker.io", true),
            upstream("ghcr.io", "https://ghcr.io", false),
            upstream("quay.io", "https://quay.io", false),
            upstream("registry.k8s.io", "https://registry.k8s.io", false)),
        config.upstreams());
    assertEquals(
        new CredentialsConfig(
            List.of(
                Path.of("/var/lib/kubelet/config.json"), Path.of("/var/lib/kubelet/.dockercfg"))),
        config.credentials());
    assertEquals(Tenancy.VERIFY, config.tenancy());
    assertEquals("docker.io", config.defaultUpstream().orElseThrow().name());
    assertEquals(
        new LimitsConfig(1024, 64, 16 << 10, Duration.ofSeconds(120), Duration.ofSeconds(10)),
        config.limits());
    assertEquals(Path.of("./berth-data/admin-token"), config.adminTokenPath());
  }

  @Test
  void adminTokenFile_defaultFollowsTheDataDirectory_keySetsItsOwn() throws IOException {
    Path file = write("storage:\n  path: /srv/a\n");
    BerthConfig fromFile = ConfigLoader.load(Optional.of(file), CommandLineOverrides.none());
    BerthConfig withData =
        ConfigLoader.load(
            Optional.of(file),
            new CommandLineOverrides(
                Optional.empty(), Optional.empty(), Optional.of("/srv/b"), List.of()));
    BerthConfig withKey =
        ConfigLoader.load(
            Optional.of(write("admin-token-file: /etc/berth/admin-token\n")),
            new CommandLineOverrides(
                Optional.empty(), Optional.empty(), Optional.of("/srv/b"), List.of()));

    assertEquals(Path.of("/srv/a/admin-token"), fromFile.adminTokenPath());
    assertEquals(Path.of("/srv/b/admin-token"), withData.adminTokenPath(), "--data moves it");
    assertEquals(Path.of("/etc/berth/admin-token"), withKey.adminTokenPath());
  }

  @Test
  void load_fileSettingKeys_replacesThoseKeysOnly() throws IOException {
    Path file =
        write(
            """
            listen: 127.0.0.1:5001
            storage:
              max-size: 50GiB
              low-water: 40GiB
              chunk-size: 4MiB
              min-free: 2GiB
              pins:
                - nginx:1.27
                - ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            upstreams:
              - name: docker.io
                url: https://mirror.gcr.io
                default: true
                policy: always
                policies:
                  - repositories: "library/*"
                    policy: ttl:10m
                  - repositories: "internal/**"
                    policy: never
                max-stale: 1h30m
              - name: registry.internal:5000
                url: http://registry.internal:5000
            credentials:
              docker-config:
                - /etc/berth/config.json
            tenancy: open
            limits:
              max-connections: 200
              idle-timeout: 30s
              header-timeout: 5s
            """);

    BerthConfig config = ConfigLoader.load(Optional.of(file), CommandLineOverrides.none());

    assertEquals(new HostPort("127.0.0.1", 5001), config.listen());
    assertEquals(new HostPort("127.0.0.1", 9090), config.admin(), "default kept");
    assertEquals(
        new StorageConfig(
            Path.of("./berth-data"),
            Optional.of(DiskSize.bytes(50L << 30)),
            4 << 20,
            DiskSize.bytes(2L << 30),
            Optional.of(DiskSize.bytes(40L << 30)),
            List.of(
                "nginx:1.27",
                "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")),
        config.storage(),
        "the storage map merges key by key, so the default path stays");
    assertEquals(OptionalLong.of(40L << 30), config.storage().resolve(1L << 40).evictTo());
    assertEquals(
        OptionalLong.of(45L << 30),
        new StorageConfig(
                Path.of("d"),
                Optional.of(DiskSize.bytes(50L << 30)),
                1 << 20,
                DiskSize.bytes(0),
                Optional.empty(),
                List.of())
            .resolve(1L << 40)
            .evictTo(),
        "90% of max-size by default");
    assertEquals(
        List.of(
            new UpstreamConfig(
                "docker.io",
                URI.create("https://mirror.gcr.io"),
                true,
                PullPolicy.Always.INSTANCE,
                List.of(
                    new RepositoryPolicy("library/*", new PullPolicy.Ttl(Duration.ofMinutes(10))),
                    new RepositoryPolicy("internal/**", PullPolicy.Never.INSTANCE)),
                Duration.ofMinutes(90),
                java.util.Set.of(),
                UpstreamConfig.DEFAULT_CONNECT_TIMEOUT,
                UpstreamConfig.DEFAULT_READ_TIMEOUT,
                UpstreamConfig.DEFAULT_REQUEST_TIMEOUT,
                UpstreamConfig.DEFAULT_TRANSFER_TIMEOUT,
                UpstreamConfig.DEFAULT_MAX_BLOB_SIZE,
                java.util.Optional.empty()),
            upstream("registry.internal:5000", "http://registry.internal:5000", false)),
        config.upstreams(),
        "the upstreams list replaces the default list as a whole");
    assertEquals(
        new CredentialsConfig(List.of(Path.of("/etc/berth/config.json"))), config.credentials());
    assertEquals(Tenancy.OPEN, config.tenancy());
    assertEquals(
        new LimitsConfig(200, 64, 16 << 10, Duration.ofSeconds(30), Duration.ofSeconds(5)),
        config.limits(),
        "unset limits keep their defaults");
  }

  @Test
  void load_emptyFile_givesDefaults() throws IOException {
    BerthConfig config = ConfigLoader.load(Optional.of(write("")), CommandLineOverrides.none());

    assertEquals(ConfigLoader.load(Optional.empty(), CommandLineOverrides.none()), config);
  }

  @Test
  void load_commandLineOptions_replaceFileAndDefaults() throws IOException {
    Path file = write("listen: 127.0.0.1:5001\nadmin: 127.0.0.1:9091\nstorage:\n  path: /srv/a\n");

    BerthConfig config =
        ConfigLoader.load(
            Optional.of(file),
            new CommandLineOverrides(
                Optional.of(":6000"), Optional.of("[::1]:0"), Optional.of("/srv/b"), List.of()));

    assertEquals(new HostPort("0.0.0.0", 6000), config.listen());
    assertEquals(new HostPort("::1", 0), config.admin());
    assertEquals(Path.of("/srv/b"), config.storage().path());
  }

  @Test
  void load_upstreamOptionWithoutFileDefault_makesFirstOptionTheDefault() {
    BerthConfig config =
        ConfigLoader.load(
            Optional.empty(),
            upstreamOptions(
                "registry.internal:5000=http://registry.internal:5000", "b.io=https://b.io"));

    assertEquals(6, config.upstreams().size());
    assertEquals(
        upstream("registry.internal:5000", "http://registry.internal:5000", true),
        config.upstreams().get(4));
    assertEquals(upstream("b.io", "https://b.io", false), config.upstreams().get(5));
    assertFalse(config.upstreams().get(0).isDefault(), "docker.io was the default only by default");
  }

  @Test
  void load_upstreamOptionWhenFileListsNoDefault_makesFirstOptionTheDefault() throws IOException {
    Path file = write("upstreams:\n  - name: a.io\n    url: https://a.io\n");

    BerthConfig config = ConfigLoader.load(Optional.of(file), upstreamOptions("b.io=https://b.io"));

    assertEquals(
        List.of(upstream("a.io", "https://a.io", false), upstream("b.io", "https://b.io", true)),
        config.upstreams());
  }

  @Test
  void load_upstreamOptionWhenFileMarksDefault_keepsFileDefault() throws IOException {
    Path file = write("upstreams:\n  - name: a.io\n    url: https://a.io\n    default: true\n");

    BerthConfig config = ConfigLoader.load(Optional.of(file), upstreamOptions("b.io=https://b.io"));

    assertEquals(
        List.of(upstream("a.io", "https://a.io", true), upstream("b.io", "https://b.io", false)),
        config.upstreams());
  }

  @Test
  void load_upstreamOptionWithConfiguredName_replacesThatUpstream() {
    BerthConfig config =
        ConfigLoader.load(Optional.empty(), upstreamOptions("ghcr.io=http://localhost:5005"));

    assertEquals(4, config.upstreams().size());
    assertEquals(upstream("ghcr.io", "http://localhost:5005", true), config.upstreams().get(1));
    assertEquals(1, config.upstreams().stream().filter(UpstreamConfig::isDefault).count());
  }

  @Test
  void load_clusterObjectStorage_withItsDefaults() throws IOException {
    Path file =
        write(
            "cluster:\n  object-storage:\n    endpoint: http://minio.berth.svc:9000\n"
                + "    bucket: berth-tier\n    credentials-file: /etc/berth/s3/credentials\n");

    BerthConfig config = ConfigLoader.load(Optional.of(file), CommandLineOverrides.none());

    assertEquals(
        Optional.of(
            new ObjectStorageConfig(
                Optional.of(java.net.URI.create("http://minio.berth.svc:9000")),
                "us-east-1",
                "berth-tier",
                "",
                true,
                8 << 20,
                Optional.of(Path.of("/etc/berth/s3/credentials")))),
        config.cluster().objectStorage());
    assertEquals(
        ClusterConfig.NONE,
        ConfigLoader.load(Optional.empty(), CommandLineOverrides.none()).cluster(),
        "the embedded defaults keep content on local disk");
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        bad(
            "storage:\n  max-sise: 10GiB\n",
            "unknown key 'storage.max-sise' (known keys: path, max-size, low-water, chunk-size, min-free, pins)"),
        bad(
            "listn: 0.0.0.0:5000\n",
            "unknown key 'listn' (known keys: listen, admin, admin-token-file, storage, upstreams,"
                + " credentials, tenancy, limits, tls, cluster)"),
        bad(
            "cluster:\n  object-storage:\n    bucket: Berth_Cache\n",
            "cluster.object-storage.bucket: invalid value 'Berth_Cache': expected an S3 bucket name"),
        bad(
            "cluster:\n  object-storage:\n    bucket: berth\n    part-size: 1MiB\n",
            "cluster.object-storage.part-size: invalid value '1MiB': expected a part size from 5MiB"),
        bad(
            "cluster:\n  object-storage:\n    bucket: berth\n    prefix: tier\n",
            "cluster.object-storage.prefix: invalid value 'tier': expected a key prefix such as"),
        bad(
            "cluster:\n  object-storage:\n    endpoint: minio:9000\n    bucket: berth\n",
            "cluster.object-storage.endpoint: invalid value 'minio:9000'"),
        bad(
            "cluster:\n  peers:\n    - berth-tier.berth.svc:5000\n",
            "cluster.peers: peers need cluster.peer-token-file"),
        bad(
            "cluster:\n  peer:\n    - x:5000\n",
            "unknown key 'cluster.peer' (known keys: object-storage, peers, peer-token-file)"),
        bad(
            "cluster:\n  object-storage:\n    buckett: berth\n",
            "unknown key 'cluster.object-storage.buckett' (known keys: endpoint, region, bucket,"
                + " prefix, path-style, part-size, credentials-file)"),
        bad(
            "tls:\n  cert: /nonexistent/tls.crt\n  key: /nonexistent/tls.key\n",
            "tls.cert: invalid value '/nonexistent/tls.crt': no readable file there"),
        bad("tls:\n  certificate: /x\n", "unknown key 'tls.certificate' (known keys: cert, key)"),
        bad(
            "limits:\n  max-conections: 5\n",
            "unknown key 'limits.max-conections' (known keys: max-connections, max-downloads,"
                + " max-header-size, idle-timeout, header-timeout, fan-out-window,"
                + " fan-out-memory)"),
        bad(
            "limits:\n  fan-out-window: 64KiB\n",
            "limits.fan-out-window: invalid value '64KiB': expected a size of at least 1MiB"),
        bad(
            "limits:\n  fan-out-window: 16MiB\n  fan-out-memory: 8MiB\n",
            "limits.fan-out-memory: invalid value '8MiB': expected at least limits.fan-out-window"
                + " (16777216 bytes)"),
        bad(
            "limits:\n  max-downloads: 0\n",
            "limits.max-downloads: invalid value '0': expected a whole number of downloads above"
                + " zero"),
        bad(
            "limits:\n  max-connections: many\n",
            "limits.max-connections: invalid value 'many': expected a whole number of connections"
                + " above zero"),
        bad(
            "limits:\n  max-header-size: 1KiB\n",
            "limits.max-header-size: invalid value '1KiB': expected a size between 4KiB and 1MiB"),
        bad(
            "limits:\n  idle-timeout: soon\n",
            "limits.idle-timeout: invalid value 'soon': expected a duration"),
        bad(
            "limits:\n  header-timeout: 0\n",
            "limits.header-timeout: invalid value '0': expected a duration above zero, such as 5s"),
        bad(
            "storage:\n  min-free: plenty\n",
            "storage.min-free: invalid value 'plenty': expected a size"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n    polcy: always\n",
            "unknown key 'upstreams[0].polcy' (known keys: name, url, default, policy, policies,"
                + " max-stale, token-realms, connect-timeout, read-timeout, request-timeout,"
                + " transfer-timeout, max-blob-size, parent)"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n"
                + "  - name: b.io\n    url: https://b.io\n    policy: sometimes\n",
            "upstreams[1].policy: invalid value 'sometimes': expected always, if-not-present,"
                + " never, ttl:<duration> or kubernetes"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n    policy: ttl:abc\n",
            "upstreams[0].policy: invalid value 'ttl:abc': expected ttl:<duration>"),
        bad("listen: nonsense\n", "listen: invalid value 'nonsense': expected HOST:PORT"),
        bad("admin: 0.0.0.0:70000\n", "admin: invalid value '0.0.0.0:70000': port 70000"),
        bad(
            "storage:\n  max-size: lots\n",
            "storage.max-size: invalid value 'lots': expected a size"),
        bad(
            "storage:\n  max-size: 0\n",
            "storage.max-size: invalid value '0': expected a size above zero"),
        bad(
            "storage:\n  chunk-size: 1KiB\n",
            "storage.chunk-size: invalid value '1KiB': expected a size between 4KiB and 64MiB"),
        bad(
            "storage:\n  chunk-size: 128MiB\n",
            "storage.chunk-size: invalid value '128MiB': expected a size between 4KiB and 64MiB"),
        bad(
            "storage:\n  path: ''\n",
            "storage.path: invalid value '': expected a file system path"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n    max-stale: forever\n",
            "upstreams[0].max-stale: invalid value 'forever': expected a duration"),
        bad(
            "upstreams:\n  - name: bad_name\n    url: https://a.io\n",
            "upstreams[0].name: invalid value 'bad_name': expected a registry host[:port]"),
        bad(
            "upstreams:\n  - name: a.io:99999\n    url: https://a.io\n",
            "upstreams[0].name: invalid value 'a.io:99999': port 99999 is outside 1..65535"),
        bad(
            "upstreams:\n  - name: a.io\n    url: ftp://a.io\n",
            "upstreams[0].url: invalid value 'ftp://a.io': expected an http or https URL"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io/v2?x=1\n",
            "upstreams[0].url: invalid value 'https://a.io/v2?x=1': expected an http or https"
                + " URL such as https://registry-1.docker.io, without a query or fragment"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://me:secret@a.io\n",
            "upstreams[0].url: invalid value 'https://***@a.io'"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n    default: yes please\n",
            "upstreams[0].default: invalid value 'yes please': expected true or false"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n"
                + "  - name: A.io\n    url: https://b.io\n",
            "upstreams[1].name: duplicate upstream name 'A.io' (also at upstreams[0])"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n    default: true\n"
                + "  - name: b.io\n    url: https://b.io\n    default: true\n",
            "upstreams[1].default: invalid value 'true': upstreams[0] (a.io) is the default"
                + " already; at most one upstream may be default"),
        bad("upstreams: []\n", "upstreams: at least one upstream is required"),
        bad(
            "credentials:\n  node-identity: sometimes\n",
            "credentials.node-identity: invalid value 'sometimes': expected true or false"),
        bad(
            "credentials:\n  node-addresses: [10.0.0.0/33]\n",
            "credentials.node-addresses[0]: invalid value '10.0.0.0/33': expected a prefix length"
                + " from 0 to 32 after '/'"),
        bad(
            "credentials:\n  node-addresses: [node1.example.com]\n",
            "credentials.node-addresses[0]: invalid value 'node1.example.com': expected an IP"
                + " address or CIDR block"),
        bad(
            "credentials:\n  provider-config: /nonexistent/berth/providers.yaml\n",
            "credentials.provider-config: invalid value '/nonexistent/berth/providers.yaml': no"
                + " readable file there"),
        bad(
            "credentials:\n  provider-bin-dir: /\n",
            "credentials.provider-bin-dir: invalid value '/': needs credentials.provider-config"),
        bad(
            "storage:\n  max-size: 10GiB\n  low-water: 20GiB\n",
            "storage.low-water: invalid value '20GiB': expected a size below storage.max-size"),
        bad(
            "storage:\n  max-size: none\n  low-water: 1GiB\n",
            "storage.low-water: invalid value '1GiB': storage.max-size is none"),
        bad(
            "storage:\n  max-size: 120%\n",
            "storage.max-size: invalid value '120%': expected a percentage of the data"
                + " directory's filesystem from 0% to 100%"),
        bad(
            "storage:\n  max-size: -1%\n",
            "storage.max-size: invalid value '-1%': expected a percentage"),
        bad(
            "storage:\n  max-size: abc%\n",
            "storage.max-size: invalid value 'abc%': expected a percentage"),
        bad(
            "storage:\n  max-size: 0%\n",
            "storage.max-size: invalid value '0%': expected a size above zero"),
        bad(
            "storage:\n  low-water: 100.5%\n",
            "storage.low-water: invalid value '100.5%': expected a percentage"),
        bad(
            "storage:\n  min-free: 120%\n",
            "storage.min-free: invalid value '120%': expected a percentage"),
        bad(
            "storage:\n  min-free: -1%\n",
            "storage.min-free: invalid value '-1%': expected a percentage"),
        bad(
            "storage:\n  min-free: -5GiB\n",
            "storage.min-free: invalid value '-5GiB': expected a size"),
        bad(
            "storage:\n  pins:\n    - nginx:1.27\n    - Not/An/Image\n",
            "storage.pins[1]: invalid value 'Not/An/Image': expected an image reference"),
        bad("upstreams:\n  - name: a.io\n", "upstreams[0]: missing required key 'url'"),
        bad("storage:\n  - /var/lib/berth\n", "storage: expected a map, found a list"),
        bad("upstreams:\n  name: a.io\n", "upstreams: expected a list, found a map"),
        bad("listen:\n  - 0.0.0.0:5000\n", "listen: expected a single value, found a list"),
        bad(
            "credentials:\n  docker-config: /etc/config.json\n",
            "credentials.docker-config: expected a list, found '/etc/config.json'"),
        bad("listen:\n", "listen: the key has no value (remove it to use the default)"),
        bad("tenancy: closed\n", "tenancy: invalid value 'closed': expected verify or open"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n"
                + "    policies:\n      - repositories: ''\n        policy: always\n",
            "upstreams[0].policies[0].repositories: invalid value '': expected a non-empty"
                + " repository glob"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n"
                + "    policies:\n      - policy: always\n",
            "upstreams[0].policies[0]: missing required key 'repositories'"),
        bad(
            "upstreams:\n  - name: a.io\n    url: https://a.io\n"
                + "    policies:\n      - repositories: 'library/*'\n        policy: ttl:-5m\n",
            "upstreams[0].policies[0].policy: invalid value 'ttl:-5m'"),
        bad("listen: 0.0.0.0:5000\nlisten: 0.0.0.0:5001\n", "duplicate key 'listen' at line 2"),
        bad("listen: [0.0.0.0:5000\n", "YAML syntax error at line 2"),
        bad("storage:\n  path: /a\n path: /b\n", "YAML syntax error at line 3"),
        bad("- listen\n", "expected a map of settings"),
        bad("admin-token-file: ''\n", "admin-token-file: invalid value '': expected a file"));
  }

  @ParameterizedTest
  @MethodSource("badFiles")
  void load_badFile_namesFileKeyAndValue(String yaml, String expected) throws IOException {
    Path file = write(yaml);

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(Optional.of(file), CommandLineOverrides.none()));

    assertTrue(e.getMessage().startsWith(file + ": "), () -> "names the file: " + e.getMessage());
    assertTrue(
        e.getMessage().contains(expected),
        () -> "expected '" + expected + "' in: " + e.getMessage());
  }

  static Stream<Arguments> badOptions() {
    return Stream.of(
        Arguments.of(upstreamOptions("foo"), "--upstream 'foo': expected NAME=URL"),
        Arguments.of(
            upstreamOptions("=https://a.io"), "--upstream '=https://a.io': expected NAME=URL"),
        Arguments.of(upstreamOptions("a.io="), "--upstream 'a.io=': expected NAME=URL"),
        Arguments.of(
            upstreamOptions("bad_name=https://a.io"),
            "--upstream 'bad_name=https://a.io': invalid value 'bad_name': expected a registry"
                + " host[:port]"),
        Arguments.of(
            upstreamOptions("a.io=ftp://a.io"),
            "--upstream 'a.io=ftp://a.io': invalid value 'ftp://a.io': expected an http or https"
                + " URL"),
        Arguments.of(
            upstreamOptions("a.io=https://me:secret@a.io"),
            "--upstream 'a.io=https://***@a.io': invalid value 'https://***@a.io'"),
        Arguments.of(
            new CommandLineOverrides(
                Optional.of("nonsense"), Optional.empty(), Optional.empty(), List.of()),
            "--listen 'nonsense': expected HOST:PORT such as 0.0.0.0:5000"),
        Arguments.of(
            new CommandLineOverrides(
                Optional.empty(), Optional.of(":99999"), Optional.empty(), List.of()),
            "--admin ':99999': port 99999 is outside 0..65535"),
        Arguments.of(
            new CommandLineOverrides(
                Optional.empty(), Optional.empty(), Optional.of(" "), List.of()),
            "--data ' ': expected a file system path"));
  }

  @ParameterizedTest
  @MethodSource("badOptions")
  void load_badOption_namesOptionAndValue(CommandLineOverrides overrides, String expected) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Optional.empty(), overrides));

    assertTrue(
        e.getMessage().startsWith(expected),
        () -> "expected '" + expected + "' at the start of: " + e.getMessage());
    assertFalse(e.getMessage().contains("secret"), e.getMessage());
  }

  @Test
  void load_missingFile_namesFile() {
    Path missing = dir.resolve("nope.yaml");

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(Optional.of(missing), CommandLineOverrides.none()));

    assertEquals(missing + ": no such config file", e.getMessage());
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(dir.resolve("config.yaml"), yaml);
  }

  private static Arguments bad(String yaml, String expected) {
    return Arguments.of(yaml, expected);
  }

  private static CommandLineOverrides upstreamOptions(String... upstreams) {
    return new CommandLineOverrides(
        Optional.empty(), Optional.empty(), Optional.empty(), List.of(upstreams));
  }

  private static UpstreamConfig upstream(String name, String url, boolean isDefault) {
    return UpstreamConfig.of(name, URI.create(url)).withDefault(isDefault);
  }
}
