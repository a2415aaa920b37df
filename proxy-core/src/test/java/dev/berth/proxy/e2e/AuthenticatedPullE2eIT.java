package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.server.BerthServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Private images through berth, against real registries: Debian's {@code docker-registry} with
 * htpasswd (Basic) and with token auth backed by a token server the test runs (alice may pull
 * {@code team-a/*}, bob {@code team-b/*}, anonymous {@code public/*}). Clients are skopeo with
 * {@code --src-creds} and containerd's {@code ctr --user} behind a {@code hosts.toml} mirror.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class AuthenticatedPullE2eIT {
  private static final String UPSTREAM = "private.e2e.test";

  private Path dir;
  private BerthServer berth;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void tools() throws Exception {
    E2eTools.require("docker-registry", "skopeo");
    dir = Files.createTempDirectory("berth-auth-e2e-");
  }

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
    Files2.deleteRecursively(dir);
  }

  private void startBerth(
      String upstreamUrl, String tenancy, String dockerConfig, String... moreUpstreams)
      throws Exception {
    startBerthWith(upstreamUrl, tenancy, dockerConfig, "", moreUpstreams);
  }

  /**
   * @param credentialsLine one more line under {@code credentials:}, e.g. {@code check-ttl: 1s}
   */
  private void startBerthWith(
      String upstreamUrl,
      String tenancy,
      String dockerConfig,
      String credentialsLine,
      String... moreUpstreams)
      throws Exception {
    Path credentials = Files.writeString(dir.resolve("config.json"), dockerConfig);
    StringBuilder yaml =
        new StringBuilder(
            "tenancy: "
                + tenancy
                + "\ncredentials:\n"
                + (credentialsLine.isEmpty() ? "" : "  " + credentialsLine + "\n")
                + "  docker-config:\n    - "
                + credentials
                + "\nupstreams:\n  - name: docker.io\n    url: http://127.0.0.1:9\n    default: true\n"
                + "  - name: "
                + UPSTREAM
                + "\n    url: "
                + upstreamUrl
                + "\n");
    for (int i = 0; i < moreUpstreams.length; i += 2) {
      yaml.append("  - name: ")
          .append(moreUpstreams[i])
          .append("\n    url: ")
          .append(moreUpstreams[i + 1])
          .append("\n");
    }
    Path config = Files.writeString(dir.resolve("berth.yaml"), yaml.toString());
    berth = InProcessBerth.start(config, dir.resolve("data"));
  }

  private String berthHost() {
    return "127.0.0.1:" + berth.registryPort();
  }

  private static String dockerConfig(String key, Credentials c) {
    String auth =
        Base64.getEncoder()
            .encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + key + "\":{\"auth\":\"" + auth + "\"}}}";
  }

  private HttpResponse<byte[]> get(String path, @org.jspecify.annotations.Nullable Credentials who)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + berthHost() + path))
            .header("Accept", E2eMediaTypes.MANIFEST_ACCEPT);
    if (who != null) {
      b.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(
                      (who.username() + ":" + who.password()).getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void htpasswdUpstream_nodeCredentialsWithGlobKey_pullPrivateImage() throws Exception {
    Credentials alice = new Credentials("alice", "alice-pw");
    try (LocalRegistry registry = LocalRegistry.startNewWithHtpasswd(Map.of("alice", "alice-pw"))) {
      PushedImage image =
          TestImages.pushingTo(registry).withCredentials(alice).smallImage("team/app", "1");
      // "*.e2e.test" matches the upstream name berth looks keys up by: <upstream>/<repository>.
      startBerth(registry.url(), "open", dockerConfig("*.e2e.test", alice));

      Descriptor pulled =
          Skopeo.create()
              .copyToOciDir(
                  berthHost() + "/" + UPSTREAM + "/team/app:1", dir.resolve("out"), false);
      assertEquals(image.digest(), pulled.digest());
    }
  }

  /**
   * The registry rotates alice's password: with the default tenancy, berth refuses her old one at
   * the first request after {@code check-ttl} (1 s here), though her image is cached, and keeps
   * refusing it when restarted while the registry is down; the new password reads again.
   */
  @Test
  void htpasswdUpstream_passwordRotated_oldOneRefusedFromTheCacheToo() throws Exception {
    Credentials old = new Credentials("alice", "alice-pw");
    Credentials rotated = new Credentials("alice", "alice-pw-2");
    try (LocalRegistry registry = LocalRegistry.startNewWithHtpasswd(Map.of("alice", "alice-pw"))) {
      PushedImage image =
          TestImages.pushingTo(registry).withCredentials(old).smallImage("team/app", "1");
      startBerthWith(registry.url(), "verify", "{\"auths\":{}}", "check-ttl: 1s");
      String ref = berthHost() + "/" + UPSTREAM + "/team/app:1";
      assertEquals(
          image.digest(),
          Skopeo.create()
              .withCredentials(old)
              .copyToOciDir(ref, dir.resolve("a1"), false)
              .digest());

      registry.setPasswords(Map.of("alice", "alice-pw-2"));
      Thread.sleep(1_100); // past check-ttl
      String manifest = "/v2/" + UPSTREAM + "/team/app/manifests/" + image.digest();
      assertEquals(401, get(manifest, old).statusCode(), "the old password, from the cache");
      assertEquals(200, get(manifest, rotated).statusCode(), "the new one");

      // An outage and a restart do not bring the old password back.
      registry.stop();
      berth.close();
      berth = null;
      startBerthWith(registry.url(), "verify", "{\"auths\":{}}", "check-ttl: 1s");
      assertEquals(401, get(manifest, old).statusCode());
      assertEquals(200, get(manifest, rotated).statusCode(), "the new one's verdict stands in");
    }
  }

  @Test
  void tokenUpstream_tenancyVerify_isolatesTeams() throws Exception {
    E2eTools.require("containerd", "ctr");
    E2eTools.requireRoot("containerd");
    try (TokenAuthRegistry registry = TokenAuthRegistry.startWithTeams()) {
      PushedImage teamA =
          TestImages.pushingTo(registry)
              .withCredentials(TokenAuthRegistry.ALICE)
              .smallImage("team-a/app", "1");
      TestImages.pushingTo(registry)
          .withCredentials(TokenAuthRegistry.BOB)
          .smallImage("team-b/app", "1", 77);
      // The registry's own host:port is a second name for it, so containerd's ns= routes there.
      startBerth(registry.url(), "verify", "{\"auths\":{}}", registry.hostPort(), registry.url());

      // alice pulls her team's image through berth with her own credentials.
      Descriptor pulled =
          Skopeo.create()
              .withCredentials(TokenAuthRegistry.ALICE)
              .copyToOciDir(
                  berthHost() + "/" + UPSTREAM + "/team-a/app:1", dir.resolve("alice"), false);
      assertEquals(teamA.digest(), pulled.digest());

      // bob and anonymous clients get 401 for the manifest and for every blob of it.
      String base = "/v2/" + UPSTREAM + "/team-a/app/";
      for (Credentials other : new Credentials[] {TokenAuthRegistry.BOB, null}) {
        assertEquals(401, get(base + "manifests/1", other).statusCode());
        assertEquals(401, get(base + "manifests/" + teamA.digest(), other).statusCode());
        for (String blob : teamA.blobDigests()) {
          assertEquals(401, get(base + "blobs/" + blob, other).statusCode(), blob);
        }
      }
      // Knowing the digests is not enough: bob's own repository does not have them.
      for (String blob : teamA.blobDigests()) {
        HttpResponse<byte[]> probe =
            get("/v2/" + UPSTREAM + "/team-b/app/blobs/" + blob, TokenAuthRegistry.BOB);
        assertNotEquals(200, probe.statusCode(), blob);
      }
      CommandFailedException refused =
          assertThrows(
              CommandFailedException.class,
              () ->
                  Skopeo.create()
                      .withCredentials(TokenAuthRegistry.BOB)
                      .copyToOciDir(
                          berthHost() + "/" + UPSTREAM + "/team-a/app:1",
                          dir.resolve("bob"),
                          false));
      assertTrue(refused.getMessage().toLowerCase().contains("unauthorized"), refused.getMessage());

      // alice again: from cache, no upstream GET.
      registry.registry().clearAccessLog();
      Descriptor again =
          Skopeo.create()
              .withCredentials(TokenAuthRegistry.ALICE)
              .copyToOciDir(
                  berthHost() + "/" + UPSTREAM + "/team-a/app:1", dir.resolve("alice2"), false);
      assertEquals(teamA.digest(), again.digest());
      assertEquals(
          0, registry.registry().countRequests("GET", "/v2/team-a/app/(manifests|blobs)/.*"));

      // containerd with --user through a hosts.toml mirror (routed by ns=).
      Path hosts = dir.resolve("certs.d");
      Containerd.writeHostsToml(
          hosts, registry.hostPort(), "http://" + berthHost(), "http://127.0.0.1:9");
      try (Containerd containerd = Containerd.start()) {
        String ref = registry.hostPort() + "/team-b/app:1";
        String digest = containerd.pullAs(TokenAuthRegistry.BOB, ref, hosts, true);
        assertEquals(
            RegistryProbe.as(TokenAuthRegistry.BOB)
                .manifestDigest(registry.url(), "team-b/app", "1"),
            digest);
      }
    }
  }
}
