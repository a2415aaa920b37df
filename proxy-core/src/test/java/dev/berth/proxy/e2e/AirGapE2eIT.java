package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.proxy.admin.AdminTokenFile;
import dev.berth.proxy.config.BerthConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The air-gap workflow with the real berth jar, each command its own process: {@code berth prefetch
 * --platform linux/amd64 --pin} from a real registry into one cache, {@code berth export} to an OCI
 * archive that skopeo reads, {@code berth import --pin} into a fresh cache on a "node" whose
 * upstream is unreachable (policy never), and {@code berth serve} there answering skopeo (and
 * containerd, when present) with exactly the bytes the registry was given, while the platform that
 * was left out is refused. The registry is stopped before the offline berth starts, so nothing can
 * come from it. A second test prefetches through a running server ({@code --server}, {@code
 * --admin}) and exports beside it to a layout directory.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class AirGapE2eIT {
  private static final Path JAR = Path.of(System.getProperty("berth.jar", "target/berth.jar"));
  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
  private static final String AMD64 = "linux/amd64";
  private static final String ARM64 = "linux/arm64/v8";
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @Test
  void prefetchExportImport_offlineBerthServesTheSameBytes_andRefusesTheOtherPlatform()
      throws Exception {
    E2eTools.require("docker-registry", "skopeo");
    Path dir = Files.createTempDirectory("berth-airgap-e2e-");
    List<Berth> servers = new ArrayList<>();
    Map<String, Integer> exits = new LinkedHashMap<>();
    try (LocalRegistry registry = LocalRegistry.startNew()) {
      TestImages images = TestImages.pushingTo(registry);
      PushedImage multi = images.multiArchImage("airgap/multi", "1");
      PushedImage plain = images.smallImage("airgap/plain", "1", 7);
      assertTrue(multi.isIndex());
      assertDistinctPlatformBlobs(multi);
      Path online = onlineConfig(dir, registry);
      Path offline = offlineConfig(dir, registry);
      Path dataA = dir.resolve("data-a");
      Path dataB = dir.resolve("data-b");
      Skopeo skopeo = Skopeo.create();

      // 2. Standalone prefetch of the amd64 platform, pinned.
      Command.Result prefetch =
          berth(
              "prefetch",
              "--config",
              online.toString(),
              "--data",
              dataA.toString(),
              "--platform",
              AMD64,
              "--pin",
              multi.reference(),
              plain.reference());
      assertSucceeded(prefetch);
      assertTrue(
          prefetch.stdout().contains("ok " + multi.reference() + " " + multi.digest()),
          prefetch.describe());
      assertTrue(
          prefetch.stdout().contains("ok " + plain.reference() + " " + plain.digest()),
          prefetch.describe());

      // 3. Export both to one OCI archive, which skopeo reads as oci-archive:.
      Path archive = dir.resolve("out/images.tar");
      Command.Result export =
          berth(
              "export",
              "--config",
              online.toString(),
              "--data",
              dataA.toString(),
              "-o",
              archive.toString(),
              multi.reference(),
              plain.reference());
      assertSucceeded(export);
      assertTrue(Files.isRegularFile(archive), export.describe());
      assertTrue(export.stdout().contains("not exported: " + ARM64), export.describe());
      Map<String, Descriptor> names = checkExportedLayout(dir, archive, multi, plain);
      assertEquals(
          Set.of(multi.reference(), plain.reference()), names.keySet(), "index.json ref names");

      assertEquals(
          multi.digest(),
          HashingOutputStream.sha256(
              skopeoRun(
                      skopeo,
                      "inspect",
                      "--raw",
                      "oci-archive:" + archive + ":" + multi.reference())
                  .stdoutBytes()));
      assertEquals(
          plain.digest(),
          HashingOutputStream.sha256(
              skopeoRun(
                      skopeo,
                      "inspect",
                      "--raw",
                      "oci-archive:" + archive + ":" + plain.reference())
                  .stdoutBytes()));
      Path fromArchive = dir.resolve("skopeo-from-archive");
      skopeoCopy(skopeo, AMD64, "oci-archive:" + archive + ":" + multi.reference(), fromArchive);
      assertSameImage(fromArchive, multi, multi.platform(AMD64));

      // The standalone prefetch pinned both images in cache A (through its private server).
      Berth a = Berth.start(dir, online, dataA, "cache-a");
      servers.add(a);
      JsonNode cacheA = json(a.admin("/admin/cache"));
      assertPinnedTag(cacheA, registry.hostPort(), "airgap/multi", "1", multi.digest());
      assertPinnedTag(cacheA, registry.hostPort(), "airgap/plain", "1", plain.digest());
      exits.put("serve on cache A", a.stop());

      // 4. Import into a fresh cache whose only upstream is unreachable.
      Command.Result imported =
          berth(
              "import",
              "--config",
              offline.toString(),
              "--data",
              dataB.toString(),
              "--pin",
              archive.toString());
      assertSucceeded(imported);
      assertTrue(
          imported.stdout().contains("imported " + multi.reference() + " " + multi.digest()),
          imported.describe());
      assertTrue(
          imported.stdout().contains("imported " + plain.reference() + " " + plain.digest()),
          imported.describe());

      // 5. The upstream goes away for good; the offline berth serves from the imported cache.
      registry.stop();
      Berth node = Berth.start(dir, offline, dataB, "offline");
      servers.add(node);
      String via = "127.0.0.1:" + node.port();

      assertEquals(
          multi.digest(),
          HashingOutputStream.sha256(
              skopeoRun(
                      skopeo,
                      "inspect",
                      "--raw",
                      "--tls-verify=false",
                      "docker://" + via + "/airgap/multi:1")
                  .stdoutBytes()),
          "the index as pushed, all its entries kept");
      Path pulledMulti = dir.resolve("pulled-multi");
      skopeoCopy(skopeo, AMD64, "docker://" + via + "/airgap/multi:1", pulledMulti);
      assertSameImage(pulledMulti, multi, multi.platform(AMD64));
      Path pulledPlain = dir.resolve("pulled-plain");
      skopeoCopy(skopeo, AMD64, "docker://" + via + "/airgap/plain:1", pulledPlain);
      assertSameImage(pulledPlain, plain, plain.platforms().get(0));

      // The arm64 image was never fetched: policy never refuses it, by tag and by digest.
      CommandFailedException arm =
          assertThrows(
              CommandFailedException.class,
              () ->
                  skopeoCopy(
                      skopeo, ARM64, "docker://" + via + "/airgap/multi:1", dir.resolve("arm")));
      assertFalse(arm.stderr().isBlank(), arm.getMessage());
      PushedImage.Platform arm64 = multi.platform(ARM64);
      HttpResponse<String> armManifest =
          get(
              "http://"
                  + via
                  + "/v2/airgap/multi/manifests/"
                  + arm64.manifest().digest()
                  + "?ns="
                  + registry.hostPort());
      assertEquals(404, armManifest.statusCode(), armManifest.body());
      assertTrue(armManifest.body().contains("MANIFEST_UNKNOWN"), armManifest.body());
      assertTrue(armManifest.body().contains("pull policy is never"), armManifest.body());
      HttpResponse<String> armLayer =
          get("http://" + via + "/v2/airgap/multi/blobs/" + arm64.layers().get(0).digest());
      assertEquals(404, armLayer.statusCode(), armLayer.body());

      // The cache listing: both images tagged, pinned, and none of arm64's content.
      JsonNode cache = json(node.admin("/admin/cache"));
      assertPinnedTag(cache, registry.hostPort(), "airgap/multi", "1", multi.digest());
      assertPinnedTag(cache, registry.hostPort(), "airgap/plain", "1", plain.digest());
      Set<String> listed = cachedDigests(cache);
      assertTrue(
          listed.containsAll(
              multi.platform(AMD64).blobs().stream().map(Descriptor::digest).toList()),
          cache.toPrettyString());
      assertFalse(listed.contains(arm64.manifest().digest()), cache.toPrettyString());
      for (Descriptor blob : arm64.blobs()) {
        assertFalse(listed.contains(blob.digest()), "arm64 blob cached: " + blob);
      }

      // 6. Real containerd through hosts.toml, its server being the (stopped) registry.
      if (containerdWanted()) {
        Path hosts = dir.resolve("certs.d");
        Containerd.writeHostsToml(hosts, registry.hostPort(), "http://" + via, registry.url());
        try (Containerd containerd = Containerd.start()) {
          assertEquals(multi.digest(), containerd.pull(multi.reference(), hosts, true, AMD64));
          assertTrue(containerd.isComplete(multi.reference()));
          assertEquals(plain.digest(), containerd.pull(plain.reference(), hosts, true, AMD64));
          assertTrue(containerd.isComplete(plain.reference()));
          List<String> content = containerd.contentDigests();
          assertFalse(content.contains(arm64.manifest().digest()), content.toString());
        }
      }

      // 7. SIGTERM: a clean stop, after which the imported cache verifies whole.
      exits.put("serve on cache B (offline)", node.stop());
      assertVerifies(dataB);
      assertCleanExits(exits);
    } finally {
      servers.forEach(Berth::stopQuietly);
      Files2.deleteRecursively(dir);
    }
  }

  @Test
  void prefetchThroughARunningServer_pinsThroughItsAdminPort_andExportsBesideIt() throws Exception {
    E2eTools.require("docker-registry", "skopeo");
    Path dir = Files.createTempDirectory("berth-airgap-server-e2e-");
    List<Berth> servers = new ArrayList<>();
    Map<String, Integer> exits = new LinkedHashMap<>();
    try (LocalRegistry registry = LocalRegistry.startNew()) {
      PushedImage multi = TestImages.pushingTo(registry).multiArchImage("airgap/served", "2", 3);
      Path online = onlineConfig(dir, registry);
      Berth server = Berth.start(dir, online, dir.resolve("data"), "online");
      servers.add(server);

      Command.Result prefetch =
          berth(
              "prefetch",
              "--server",
              "http://127.0.0.1:" + server.port(),
              "--admin",
              "http://127.0.0.1:" + server.adminPort(),
              "--data", // where the server's admin token is, for --pin
              dir.resolve("data").toString(),
              "--platform",
              AMD64,
              "--pin",
              multi.reference());
      assertSucceeded(prefetch);
      assertTrue(
          prefetch.stdout().contains("ok " + multi.reference() + " " + multi.digest()),
          prefetch.describe());

      JsonNode cache = json(server.admin("/admin/cache"));
      assertPinnedTag(cache, registry.hostPort(), "airgap/served", "2", multi.digest());
      Set<String> listed = cachedDigests(cache);
      for (Descriptor d : multi.platform(AMD64).blobs()) {
        assertTrue(listed.contains(d.digest()), "not cached: " + d + "\n" + cache.toPrettyString());
      }
      assertTrue(listed.contains(multi.platform(AMD64).manifest().digest()));
      assertFalse(listed.contains(multi.platform(ARM64).manifest().digest()));

      // export reads the cache without locking it, beside the running server.
      Path layout = dir.resolve("layout");
      Command.Result export =
          berth(
              "export",
              "--config",
              online.toString(),
              "--data",
              dir.resolve("data").toString(),
              "--platform",
              AMD64,
              "-o",
              layout.toString(),
              multi.reference());
      assertSucceeded(export);
      Map<String, Descriptor> names = indexEntries(layout);
      assertEquals(Set.of(multi.reference()), names.keySet());
      assertEquals(multi.digest(), names.get(multi.reference()).digest());
      assertBlobsNamedByTheirDigests(layout);

      Skopeo skopeo = Skopeo.create();
      Path copied = dir.resolve("copied");
      skopeoCopy(skopeo, AMD64, "oci:" + layout + ":" + multi.reference(), copied);
      assertSameImage(copied, multi, multi.platform(AMD64));

      exits.put("serve (online, --server prefetch)", server.stop());
      assertVerifies(dir.resolve("data"));
      assertCleanExits(exits);
    } finally {
      servers.forEach(Berth::stopQuietly);
      Files2.deleteRecursively(dir);
    }
  }

  /**
   * The containerd step is optional: it runs when the tools and root are there, and always under
   * {@code BERTH_E2E=required} (where anything missing fails, as {@link Containerd#start} decides).
   */
  private static boolean containerdWanted() {
    if (E2eTools.isRequired()) {
      return true;
    }
    boolean root;
    try {
      root = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      root = "root".equals(System.getProperty("user.name"));
    }
    return root
        && E2eTools.findOnPath("containerd").isPresent()
        && E2eTools.findOnPath("ctr").isPresent();
  }

  // ---------------------------------------------------------------- berth processes

  /** A running {@code berth serve}: registry and admin ports, data directory, its log. */
  private record Berth(Process process, int port, int adminPort, Path data, Path log) {
    static Berth start(Path dir, Path config, Path data, String name) throws Exception {
      int port = FreePorts.next();
      int admin = FreePorts.next();
      Path log = dir.resolve(name + ".log");
      Process p =
          Processes.track(
              new ProcessBuilder(
                      "java",
                      "-jar",
                      JAR.toString(),
                      "serve",
                      "--config",
                      config.toString(),
                      "--data",
                      data.toString(),
                      "--listen",
                      "127.0.0.1:" + port,
                      "--admin",
                      "127.0.0.1:" + admin)
                  .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                  .redirectErrorStream(true)
                  .redirectOutput(log.toFile())
                  .start());
      Berth berth = new Berth(p, port, admin, data, log);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && p.isAlive()) {
        try {
          if (HTTP.send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
                          .build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode()
              == 200) {
            return berth;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(200);
      }
      berth.stopQuietly();
      throw new AssertionError("berth serve (" + name + ") did not start:\n" + berth.logText());
    }

    /**
     * SIGTERM; berth must exit within 30 s and log its orderly stop.
     *
     * @return the exit status, checked by {@link #assertCleanExits} once everything else passed
     */
    /** {@code path} on the admin API, with the token this server keeps in its data directory. */
    HttpResponse<String> admin(String path) throws Exception {
      return adminGet(adminPort, data, path);
    }

    int stop() throws InterruptedException {
      process.destroy();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "berth ignored SIGTERM:\n" + logText());
      assertTrue(logText().contains("berth stopped"), "no orderly stop:\n" + logText());
      return process.exitValue();
    }

    void stopQuietly() {
      Processes.stop(process, 10_000);
    }

    String logText() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }
  }

  /** Runs {@code java -jar berth.jar <args>} to completion, whatever its exit status. */
  private static Command.Result berth(String... args) {
    List<String> argv = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
    argv.addAll(List.of(args));
    return Command.runAllowingFailure(argv, Map.of(), COMMAND_TIMEOUT);
  }

  /** {@code berth verify} on a stopped server's cache: nothing damaged. */
  private static void assertVerifies(Path data) {
    Command.Result verify = berth("verify", "--data", data.toString());
    assertSucceeded(verify);
    assertTrue((verify.stdout() + verify.stderr()).contains("all good"), verify.describe());
  }

  /**
   * {@code berth serve --help}: "Exit status: 0 after a clean stop", and SIGTERM is the documented
   * way to stop it.
   */
  private static void assertCleanExits(Map<String, Integer> exits) {
    Map<String, Integer> unclean = new LinkedHashMap<>(exits);
    unclean.values().removeIf(code -> code == 0);
    assertTrue(
        unclean.isEmpty(),
        "berth serve stopped cleanly on SIGTERM (logged 'berth stopped') but exited with "
            + unclean
            + ", not the 0 its --help promises after a clean stop");
  }

  private static void assertSucceeded(Command.Result result) {
    assertEquals(0, result.exitCode(), result.describe());
  }

  private static Path onlineConfig(Path dir, LocalRegistry registry) throws IOException {
    return Files.writeString(
        dir.resolve("online.yaml"),
        "tenancy: open\nupstreams:\n  - name: "
            + registry.hostPort()
            + "\n    url: "
            + registry.url()
            + "\n    default: true\n    policy: if-not-present\n");
  }

  /** Same upstream name, a URL nothing listens on, and policy never: an air-gapped node. */
  private static Path offlineConfig(Path dir, LocalRegistry registry) throws IOException {
    return Files.writeString(
        dir.resolve("offline.yaml"),
        "tenancy: open\nupstreams:\n  - name: "
            + registry.hostPort()
            + "\n    url: http://127.0.0.1:"
            + FreePorts.next()
            + "\n    default: true\n    policy: never\n");
  }

  // ---------------------------------------------------------------- skopeo

  private static Command.Result skopeoRun(Skopeo skopeo, String... args) {
    return skopeo.run(Duration.ofMinutes(2), List.of(args));
  }

  /** Copies one platform's image ({@code --override-os/arch/variant}) into an OCI layout. */
  private static void skopeoCopy(Skopeo skopeo, String platform, String source, Path dest) {
    String[] p = platform.split("/");
    List<String> args =
        new ArrayList<>(
            List.of(
                "copy",
                "--src-tls-verify=false",
                "--retry-times",
                "0",
                "--override-os",
                p[0],
                "--override-arch",
                p[1]));
    if (p.length > 2) {
      args.add("--override-variant");
      args.add(p[2]);
    }
    args.add(source);
    args.add("oci:" + dest + ":" + OciLayoutWriter.REF_NAME);
    skopeo.run(Duration.ofMinutes(2), args);
  }

  // ---------------------------------------------------------------- layouts

  /**
   * Unpacks the archive with GNU tar and checks it: an OCI layout, every blob named by its digest,
   * every blob of the amd64 image and of the plain image present with the pushed bytes, none of
   * arm64's, and the index kept whole (byte for byte).
   *
   * @return the index.json entries by ref name
   */
  private static Map<String, Descriptor> checkExportedLayout(
      Path dir, Path archive, PushedImage multi, PushedImage plain) throws IOException {
    Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
    Command.run(
        List.of("tar", "-xf", archive.toString(), "-C", unpacked.toString()),
        Map.of(),
        Duration.ofMinutes(1));
    assertTrue(Files.isRegularFile(unpacked.resolve("oci-layout")), "no oci-layout file");
    assertBlobsNamedByTheirDigests(unpacked);
    Set<String> expected = new TreeSet<>();
    expected.add(multi.digest());
    expected.add(multi.platform(AMD64).manifest().digest());
    multi.platform(AMD64).blobs().forEach(b -> expected.add(b.digest()));
    expected.add(plain.digest());
    plain.platforms().get(0).blobs().forEach(b -> expected.add(b.digest()));
    assertEquals(expected, blobDigests(unpacked), "blobs in the archive");
    for (String digest : expected) {
      Path pushed =
          Files.exists(blobFile(multi.layout(), digest))
              ? blobFile(multi.layout(), digest)
              : blobFile(plain.layout(), digest);
      assertEquals(-1L, Files.mismatch(pushed, blobFile(unpacked, digest)), "bytes of " + digest);
    }
    Map<String, Descriptor> entries = indexEntries(unpacked);
    assertEquals(multi.digest(), entries.get(multi.reference()).digest());
    assertEquals(plain.digest(), entries.get(plain.reference()).digest());
    return entries;
  }

  /** {@code index.json} entries by {@code org.opencontainers.image.ref.name}. */
  private static Map<String, Descriptor> indexEntries(Path layout) throws IOException {
    JsonNode index =
        OciLayoutWriter.JSON.readTree(Files.readAllBytes(layout.resolve("index.json")));
    Map<String, Descriptor> entries = new LinkedHashMap<>();
    for (JsonNode e : index.path("manifests")) {
      String name = e.path("annotations").path("org.opencontainers.image.ref.name").asText();
      assertFalse(name.isEmpty(), "index.json entry without a ref name: " + e);
      entries.put(
          name,
          new Descriptor(
              e.path("mediaType").asText(), e.path("digest").asText(), e.path("size").asLong()));
    }
    return entries;
  }

  /** Every file under blobs/sha256 hashes to its name. */
  private static void assertBlobsNamedByTheirDigests(Path layout) throws IOException {
    try (Stream<Path> files = Files.list(layout.resolve("blobs/sha256"))) {
      for (Path f : files.collect(Collectors.toList())) {
        assertEquals(
            "sha256:" + f.getFileName(),
            HashingOutputStream.sha256(Files.readAllBytes(f)),
            "blob " + f + " does not match its name");
      }
    }
  }

  private static Set<String> blobDigests(Path layout) throws IOException {
    try (Stream<Path> files = Files.list(layout.resolve("blobs/sha256"))) {
      return files
          .map(f -> "sha256:" + f.getFileName())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /**
   * A layout skopeo wrote for one platform holds exactly that platform's manifest, config and
   * layers, each byte for byte as pushed.
   */
  private static void assertSameImage(
      Path pulled, PushedImage pushed, PushedImage.Platform platform) throws IOException {
    ImageLayout layout = ImageLayout.read(pulled, OciLayoutWriter.REF_NAME);
    assertEquals(platform.manifest().digest(), layout.manifest().digest(), "manifest digest");
    assertBlobsNamedByTheirDigests(pulled);
    Set<String> expected = new TreeSet<>();
    expected.add(platform.manifest().digest());
    platform.blobs().forEach(b -> expected.add(b.digest()));
    assertEquals(expected, blobDigests(pulled), "blobs skopeo wrote to " + pulled);
    for (String digest : expected) {
      assertEquals(
          -1L,
          Files.mismatch(blobFile(pushed.layout(), digest), blobFile(pulled, digest)),
          "bytes of " + digest);
    }
  }

  /** The pushed image must have per-platform layers, or the arm64 checks prove nothing. */
  private static void assertDistinctPlatformBlobs(PushedImage multi) {
    Set<String> amd = new TreeSet<>();
    multi.platform(AMD64).blobs().forEach(b -> amd.add(b.digest()));
    for (Descriptor d : multi.platform(ARM64).blobs()) {
      assertFalse(amd.contains(d.digest()), "shared blob " + d);
    }
  }

  private static Path blobFile(Path layout, String digest) {
    return layout.resolve("blobs/sha256").resolve(digest.substring(digest.indexOf(':') + 1));
  }

  // ---------------------------------------------------------------- admin API

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Accept", E2eMediaTypes.MANIFEST_ACCEPT)
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A GET on the admin API with the token the server created in its data directory. */
  private static HttpResponse<String> adminGet(int adminPort, Path data, String path)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
            .header(
                "Authorization",
                AdminTokenFile.read(data.resolve(BerthConfig.ADMIN_TOKEN_FILE))
                    .authorizationHeader())
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    assertEquals(200, response.statusCode(), response.body());
    return OciLayoutWriter.JSON.readTree(response.body());
  }

  private static void assertPinnedTag(
      JsonNode cache, String upstream, String repository, String tag, String digest) {
    for (JsonNode repo : cache.path("repositories")) {
      if (upstream.equals(repo.path("upstream").asText())
          && repository.equals(repo.path("repository").asText())) {
        for (JsonNode t : repo.path("tags")) {
          if (tag.equals(t.path("tag").asText())) {
            assertEquals(digest, t.path("digest").asText(), t.toPrettyString());
            assertTrue(t.path("manifest_cached").asBoolean(), t.toPrettyString());
            assertTrue(t.path("pinned").asBoolean(), "not pinned: " + t.toPrettyString());
            return;
          }
        }
      }
    }
    throw new AssertionError(
        upstream + "/" + repository + ":" + tag + " not listed:\n" + cache.toPrettyString());
  }

  /** Every manifest and blob digest the listing names, in any repository. */
  private static Set<String> cachedDigests(JsonNode cache) {
    Set<String> digests = new TreeSet<>();
    for (JsonNode repo : cache.path("repositories")) {
      repo.path("manifests").forEach(m -> digests.add(m.path("digest").asText()));
      repo.path("blobs").forEach(b -> digests.add(b.path("digest").asText()));
    }
    return digests;
  }
}
