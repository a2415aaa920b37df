package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubelet credential provider plugins as a node credential source, end to end through berth: the
 * tests write real plugin programs (shell scripts) into a bin directory and berth execs them with a
 * {@code CredentialProviderRequest} on stdin, as the kubelet does. A request without credentials
 * from loopback (the node) then reads a private repository with what the plugin returned; a failing
 * plugin is counted and means "no credentials".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CredentialPluginTest {
  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;
  private final StubImage image = new StubImage("team-a/app", "1", 50_000, 11);

  @BeforeEach
  void start() {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    BasicAuthUpstream.challengeEverything(upstream);
    String robot = BasicAuthUpstream.basic("robot", "t0ken-from-plugin");
    BasicAuthUpstream.grantTagList(upstream, "team-a/app", robot);
    for (String reference : new String[] {"1", image.manifestDigest.toString()}) {
      upstream.stubFor(
          get(urlEqualTo("/v2/team-a/app/manifests/" + reference))
              .withHeader("Authorization", equalTo(robot))
              .atPriority(1)
              .willReturn(
                  aResponse()
                      .withStatus(200)
                      .withHeader("Content-Type", StubImage.OCI_MANIFEST)
                      .withHeader("Docker-Content-Digest", image.manifestDigest.toString())
                      .withBody(image.manifest)));
      upstream.stubFor(
          com.github.tomakehurst.wiremock.client.WireMock.head(
                  urlEqualTo("/v2/team-a/app/manifests/" + reference))
              .withHeader("Authorization", equalTo(robot))
              .atPriority(1)
              .willReturn(
                  aResponse()
                      .withStatus(200)
                      .withHeader("Content-Type", StubImage.OCI_MANIFEST)
                      .withHeader("Docker-Content-Digest", image.manifestDigest.toString())
                      .withHeader("Content-Length", Integer.toString(image.manifest.length))));
    }
  }

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
    upstream.stop();
  }

  /** Writes an executable plugin {@code name} whose body is {@code script} (sh). */
  private Path plugin(String name, String script) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path file = bin.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + script);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  private void startBerth(String pluginName, Path bin) throws Exception {
    Path providers =
        Files.writeString(
            dir.resolve("providers.yaml"),
            "apiVersion: kubelet.config.k8s.io/v1\n"
                + "kind: CredentialProviderConfig\n"
                + "providers:\n"
                + "  - name: "
                + pluginName
                + "\n    matchImages: [\"private.test\"]\n"
                + "    defaultCacheDuration: \"10m\"\n"
                + "    apiVersion: credentialprovider.kubelet.k8s.io/v1\n"
                + "    args: [get-credentials]\n"
                + "    env: [{name: PLUGIN_LOG, value: \""
                + dir.resolve("plugin.log")
                + "\"}]\n");
    berth =
        RunningBerth.start(
            dir,
            "credentials:\n  docker-config: []\n  provider-config: "
                + providers
                + "\n  provider-bin-dir: "
                + bin
                + "\nupstreams:\n  - name: private.test\n    url: http://127.0.0.1:"
                + upstream.port()
                + "\n    default: true\n");
  }

  private HttpResponse<byte[]> manifest() throws Exception {
    return berth.get("/v2/team-a/app/manifests/1", "Accept", StubImage.OCI_MANIFEST);
  }

  @Test
  void plugin_givesTheNodeItsCredentials_runOncePerCacheDuration() throws Exception {
    Path bin =
        plugin(
            "robot-provider",
            // Records each run and the request it was given; answers for the whole registry.
            "request=$(cat)\n"
                + "echo \"$1 $request\" >> \"$PLUGIN_LOG\"\n"
                + "cat <<'JSON'\n"
                + "{\"kind\":\"CredentialProviderResponse\","
                + "\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\","
                + "\"cacheKeyType\":\"Registry\",\"cacheDuration\":\"5m\","
                + "\"auth\":{\"private.test\":{\"username\":\"robot\",\"password\":\"t0ken-from-plugin\"}}}\n"
                + "JSON\n");
    startBerth("robot-provider", bin);
    for (int i = 0; i < 3; i++) {
      HttpResponse<byte[]> r = manifest();
      assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
      assertArrayEquals(image.manifest, r.body());
    }
    String log = Files.readString(dir.resolve("plugin.log"));
    assertEquals(1, log.lines().count(), "one run, then the cached answer: " + log);
    assertTrue(log.startsWith("get-credentials "), log);
    assertTrue(log.contains("\"image\":\"private.test/team-a/app\""), log);
    assertTrue(log.contains("\"kind\":\"CredentialProviderRequest\""), log);
    assertTrue(
        berth
            .metrics()
            .contains(
                "berth_credential_plugin_runs_total{outcome=\"ok\",provider=\"robot-provider\"} 1.0"),
        berth.metrics());
  }

  @Test
  void failingPlugin_isCountedAndMeansNoCredentials() throws Exception {
    Path bin = plugin("broken-provider", "cat >/dev/null\necho 'secret-ish stderr' >&2\nexit 3\n");
    startBerth("broken-provider", bin);
    HttpResponse<byte[]> r = manifest();
    assertEquals(401, r.statusCode(), "the node holds no credentials for team-a");
    String metrics = berth.metrics();
    assertTrue(
        metrics.contains(
            "berth_credential_plugin_runs_total{outcome=\"exit\",provider=\"broken-provider\"} 1.0"),
        metrics);
    assertFalse(metrics.contains("secret-ish"));
  }
}
