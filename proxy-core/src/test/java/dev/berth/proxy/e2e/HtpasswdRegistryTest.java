package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The registry fixture in htpasswd (HTTP Basic) mode, with skopeo and the JDK client. */
@Timeout(60)
class HtpasswdRegistryTest {
  private static final Credentials ALICE = new Credentials("alice", "alice-pw");
  private static final Credentials BOB = new Credentials("bob", "b0b:with colon");
  private static final Credentials WRONG = new Credentials("alice", "not-alice-pw");
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static LocalRegistry registry;
  private static Skopeo skopeo;
  private static PushedImage image;

  @BeforeAll
  static void start() {
    E2eTools.require("docker-registry", "skopeo");
    registry =
        LocalRegistry.startNewWithHtpasswd(
            Map.of(ALICE.username(), ALICE.password(), BOB.username(), BOB.password()));
    skopeo = Skopeo.create();
    image = TestImages.pushingTo(registry).withCredentials(ALICE).smallImage("e2e/basic", "1");
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void anonymousRequests_get401BasicChallenge() throws Exception {
    HttpResponse<Void> ping = head("/v2/", null);
    HttpResponse<Void> manifest = head("/v2/e2e/basic/manifests/1", null);

    assertTrue(registry.requiresAuth());
    for (HttpResponse<Void> response : List.of(ping, manifest)) {
      assertEquals(401, response.statusCode());
      assertEquals(
          "Basic realm=\"basic-realm\"",
          response.headers().firstValue("WWW-Authenticate").orElseThrow());
    }
    assertEquals(401, RegistryProbe.headManifest(registry.url(), "e2e/basic", "1").status());
  }

  @Test
  void rawHead_withBasicAuthorization_onlyRightCredentialsServe() throws Exception {
    HttpResponse<Void> right = head("/v2/e2e/basic/manifests/1", ALICE);
    HttpResponse<Void> otherUser = head("/v2/e2e/basic/manifests/1", BOB);
    HttpResponse<Void> wrong = head("/v2/e2e/basic/manifests/1", WRONG);
    HttpResponse<Void> unknown =
        head("/v2/e2e/basic/manifests/1", new Credentials("mallory", "alice-pw"));

    assertEquals(200, right.statusCode());
    assertEquals(image.digest(), right.headers().firstValue("Docker-Content-Digest").orElseThrow());
    assertEquals(200, otherUser.statusCode(), "every htpasswd user may pull everything");
    assertEquals(401, wrong.statusCode());
    assertEquals(401, unknown.statusCode());
  }

  @Test
  void registryProbe_as_answersBasicChallenge() {
    assertEquals(
        image.digest(), RegistryProbe.as(BOB).manifestDigest(registry.url(), "e2e/basic", "1"));
    Descriptor layer = image.platform("linux/amd64").layers().get(0);
    assertEquals(
        layer.size(),
        RegistryProbe.as(ALICE)
            .blobSize(registry.url(), "e2e/basic", layer.digest())
            .orElseThrow());
    assertEquals(
        401, RegistryProbe.as(WRONG).headManifest(registry.url(), "e2e/basic", "1").status());
    assertEquals(
        401,
        RegistryProbe.anonymousToken().headManifest(registry.url(), "e2e/basic", "1").status());
  }

  @Test
  void skopeoPull_rightCredentials_copiesImage(@TempDir Path dir) {
    Descriptor top =
        skopeo.withCredentials(BOB).copyToOciDir(image.reference(), dir.resolve("layout"), true);

    assertEquals(image.manifest(), top);
    assertEquals(image.digest(), skopeo.withCredentials(ALICE).inspectDigest(image.reference()));
  }

  @Test
  void skopeoPull_wrongOrNoCredentials_fails(@TempDir Path dir) {
    CommandFailedException wrong =
        assertThrows(
            CommandFailedException.class,
            () ->
                skopeo
                    .withCredentials(WRONG)
                    .copyToOciDir(image.reference(), dir.resolve("wrong"), true));
    CommandFailedException anonymous =
        assertThrows(
            CommandFailedException.class,
            () -> skopeo.copyToOciDir(image.reference(), dir.resolve("anonymous"), true));

    assertTrue(wrong.stderr().contains("unauthorized"), wrong.stderr());
    assertTrue(anonymous.stderr().contains("unauthorized"), anonymous.stderr());
  }

  @Test
  void push_withoutCredentials_fails() {
    assertThrows(
        CommandFailedException.class,
        () -> TestImages.pushingTo(registry).smallImage("e2e/anonymous-push", "1", 5));
  }

  @Test
  void accessLog_countsRefusedRequests() throws Exception {
    registry.clearAccessLog();

    head("/v2/e2e/basic/manifests/1", null);
    head("/v2/e2e/basic/manifests/1", ALICE);

    assertEquals(2, registry.countRequests("HEAD", "/v2/e2e/basic/manifests/1"));
    assertEquals(
        List.of(401, 200), registry.requests().stream().map(AccessLogEntry::status).toList());
  }

  @Test
  void stop_thenStart_keepsUsersAndImages() {
    registry.stop();
    registry.start();

    assertEquals(
        image.digest(), RegistryProbe.as(ALICE).manifestDigest(registry.url(), "e2e/basic", "1"));
  }

  private static HttpResponse<Void> head(String path, @Nullable Credentials credentials)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(registry.url() + path))
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .header("Accept", E2eMediaTypes.MANIFEST_ACCEPT)
            .timeout(Duration.ofSeconds(10));
    if (credentials != null) {
      request.header("Authorization", credentials.basicAuthorization());
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding());
  }
}
