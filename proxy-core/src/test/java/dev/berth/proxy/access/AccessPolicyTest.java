package dev.berth.proxy.access;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.auth.ClientIdentity;
import dev.berth.auth.credential.Credential;
import dev.berth.auth.credential.CredentialKeyring;
import dev.berth.proxy.blackbox.BasicAuthUpstream;
import dev.berth.proxy.config.Tenancy;
import dev.berth.proxy.config.UpstreamConfig;
import dev.berth.proxy.image.RepositoryName;
import dev.berth.proxy.pull.Backoff;
import dev.berth.proxy.pull.CacheWrites;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.Upstream;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamCredentials;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.UpstreamObserver;
import dev.berth.proxy.upstream.UpstreamTimeouts;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.rocksdb.RocksStorage;
import dev.berth.storage.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verdict rules of {@link AccessPolicy} against a WireMock registry that answers the access
 * question ({@code GET tags/list?n=1}) per user, with real storage (RocksDB, reopened for
 * "restarts"), a real Vert.x client, and a clock moved by hand: {@code check-ttl} 1 min, {@code
 * max-stale} 24 h (the defaults).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessPolicyTest {
  private static final Duration CHECK_TTL = Duration.ofMinutes(1);
  private static final Credential ALICE = Credential.basic("alice", "alice-pw");
  private static final Credential BOB = Credential.basic("bob", "bob-pw");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final List<String> decisions = new ArrayList<>();
  private final List<String> stale = new ArrayList<>();
  private WireMockServer upstream;
  private Vertx vertx;
  private RocksStorage storage;
  private StorageAccess storageAccess;
  private Backoff backoff;
  private Upstream registry;
  private CredentialKeyring nodeKeyring = CredentialKeyring.empty();

  @BeforeEach
  void start() {
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    BasicAuthUpstream.challengeEverything(upstream);
    upstream.stubFor(
        get(urlEqualTo("/v2/public/app/tags/list?n=1"))
            .atPriority(1)
            .willReturn(aResponse().withStatus(200).withBody("{\"tags\":[\"1\"]}")));
    grant(ALICE, "team-a");
    grant(BOB, "team-b");
    vertx = Vertx.vertx();
    registry =
        new Upstream(
            UpstreamConfig.of("private.test", URI.create("http://127.0.0.1:" + upstream.port())));
    openStorage();
  }

  @AfterEach
  void stop() throws Exception {
    closeStorage();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    upstream.stop();
  }

  private void grant(Credential user, String team) {
    BasicAuthUpstream.grantTagList(upstream, team + "/app", basic(user));
  }

  private void openStorage() {
    storage = RocksStorage.open(dir.resolve("data"), StorageOptions.defaults());
    storageAccess =
        new StorageAccess(
            storage.blobs(),
            storage.manifests(),
            storage.tags(),
            storage.links(),
            storage.verdicts(),
            vertx.createSharedWorkerExecutor("test-storage", 4),
            new CacheWrites());
    backoff = new Backoff(clock);
  }

  private void closeStorage() {
    storageAccess.close();
    storage.close();
  }

  /** A new policy over reopened storage: what a restarted berth starts with. */
  private void restart() {
    closeStorage();
    openStorage();
  }

  private AccessPolicy policy() {
    UpstreamClient client =
        new UpstreamClient(
            vertx.createHttpClient(new HttpClientOptions()),
            UpstreamTimeouts.DEFAULTS,
            clock,
            UpstreamObserver.NONE);
    return new AccessPolicy(
        Tenancy.VERIFY,
        client,
        new UpstreamCredentials(() -> nodeKeyring),
        storageAccess,
        backoff,
        CHECK_TTL,
        clock,
        storage.verdicts().subjectKey(),
        new AccessPolicy.Observer() {
          @Override
          public void decision(String basis, boolean allowed) {
            decisions.add(basis + "=" + allowed);
          }

          @Override
          public void staleVerdict(String subject) {
            stale.add(subject);
          }
        });
  }

  private RoutedRepository repo(String name) {
    return new RoutedRepository(registry, new RepositoryName(name));
  }

  /** null when allowed; else the failure. */
  private @Nullable Throwable authorize(AccessPolicy policy, String repo, ClientIdentity who)
      throws Exception {
    Future<Void> result = policy.authorize(repo(repo), who);
    try {
      result.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
  }

  private static ClientIdentity as(Credential c) {
    return ClientIdentity.of(c);
  }

  private static String basic(Credential c) {
    return BasicAuthUpstream.basic(c.username(), c.secret());
  }

  private void assertDenied(@Nullable Throwable failure) {
    assertInstanceOf(AccessDeniedException.class, failure);
  }

  private void assertUnavailableNaming(@Nullable Throwable failure, String... words) {
    UpstreamException e = assertInstanceOf(UpstreamException.class, failure);
    assertEquals(UpstreamException.Kind.UNAVAILABLE, e.kind());
    assertEquals("private.test", e.upstream());
    for (String word : words) {
      assertTrue(e.getMessage().contains(word), e.getMessage());
    }
  }

  @Test
  void verdicts_surviveARestartAndStandPastCheckTtlDuringAnOutage() throws Exception {
    nodeKeyring = CredentialKeyring.builder().add("private.test/team-b", BOB).build();
    AccessPolicy policy = policy();
    assertEquals(null, authorize(policy, "public/app", ClientIdentity.ANONYMOUS));
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    assertEquals(null, authorize(policy, "team-b/app", ClientIdentity.NODE));
    assertDenied(authorize(policy, "team-a/app", as(BOB)));

    upstream.stop();
    restart();
    clock.advance(Duration.ofHours(3)); // far past check-ttl, within max-stale (24 h)
    policy = policy();
    assertEquals(null, authorize(policy, "public/app", ClientIdentity.ANONYMOUS));
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    assertEquals(null, authorize(policy, "team-b/app", ClientIdentity.NODE));
    // bob's refusal was not worth storing: never a yes, so nothing to stand in for him.
    assertUnavailableNaming(authorize(policy, "team-a/app", as(BOB)), "has never checked");
    // Anonymous clients still get nothing private.
    assertDenied(authorize(policy, "team-a/app", ClientIdentity.ANONYMOUS));
    assertTrue(stale.contains("public") && stale.contains("credential") && stale.contains("node"));
  }

  @Test
  void outage_neverVerifiedFailsFastNamingTheUpstream_andPastMaxStale() throws Exception {
    AccessPolicy policy = policy();
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    upstream.stop();
    clock.advance(Duration.ofMinutes(2));
    // Never checked: nothing to stand in.
    assertUnavailableNaming(
        authorize(policy, "team-b/app", as(BOB)), "has never checked", "team-b/app");
    // Inside the back-off window the upstream is not even asked; the kept verdict serves.
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    clock.advance(Duration.ofHours(25));
    assertUnavailableNaming(
        authorize(policy, "team-a/app", as(ALICE)), "past max-stale", "private.test");
  }

  @Test
  void outage_backoffKeepsTheUpstreamFromBeingAskedOnEveryRequest() throws Exception {
    AccessPolicy policy = policy();
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    upstream.resetAll();
    upstream.stubFor(any(urlMatching("/v2/.*")).willReturn(aResponse().withStatus(503)));
    clock.advance(Duration.ofMinutes(2));
    for (int i = 0; i < 5; i++) {
      assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    }
    assertEquals(1, upstream.getAllServeEvents().size(), "one failed check opens the back-off");
    clock.advance(Duration.ofSeconds(11)); // the first window is 10 s
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    assertEquals(2, upstream.getAllServeEvents().size());
  }

  @Test
  void verdictFromTheFuture_isCheckedAgain() throws Exception {
    AccessPolicy policy = policy();
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    // The clock ran a month ahead when that verdict was made, and was corrected since.
    clock.advance(Duration.ofDays(-30));
    upstream.resetAll();
    upstream.stubFor(
        any(urlMatching("/v2/.*"))
            .willReturn(
                aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"up\"")));
    assertDenied(authorize(policy, "team-a/app", as(ALICE)));
  }

  @Test
  void clientCredentialTheUpstreamCannotAnswer_doesNotHoldOthersChecksOff() throws Exception {
    AccessPolicy policy = policy();
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    // mallory's odd credential makes the upstream fail (a 503 for her request only).
    upstream.stubFor(
        get(urlEqualTo("/v2/team-a/app/tags/list?n=1"))
            .withHeader("Authorization", equalTo(basic(Credential.basic("mallory", "x"))))
            .atPriority(1)
            .willReturn(aResponse().withStatus(503)));
    clock.advance(Duration.ofMinutes(2));
    assertUnavailableNaming(
        authorize(policy, "team-a/app", as(Credential.basic("mallory", "x"))), "has never checked");
    // alice's password is revoked meanwhile: her next check still reaches the upstream.
    upstream.stubFor(
        get(urlEqualTo("/v2/team-a/app/tags/list?n=1"))
            .withHeader("Authorization", equalTo(basic(ALICE)))
            .atPriority(1)
            .willReturn(
                aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"up\"")));
    assertDenied(authorize(policy, "team-a/app", as(ALICE)));
  }

  @Test
  void refusal_afterTheUpstreamRotatesAPassword_winsOnceCheckTtlPassed() throws Exception {
    AccessPolicy policy = policy();
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)));
    // The registry rotates alice's password: her old one is refused from now on.
    upstream.resetAll();
    upstream.stubFor(
        any(urlMatching("/v2/.*"))
            .willReturn(
                aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"up\"")));
    clock.advance(Duration.ofSeconds(30));
    assertEquals(null, authorize(policy, "team-a/app", as(ALICE)), "within check-ttl");
    clock.advance(Duration.ofSeconds(31));
    assertDenied(authorize(policy, "team-a/app", as(ALICE)));
    // The refusal overturned the stored yes: after a restart with the upstream gone, the revoked
    // password does not read again.
    upstream.stop();
    restart();
    clock.advance(Duration.ofMinutes(5));
    assertDenied(authorize(policy(), "team-a/app", as(ALICE)));
  }

  @Test
  void node_readsWhatItsCredentialsCan_andNothingWithoutThem() throws Exception {
    nodeKeyring = CredentialKeyring.builder().add("private.test/team-a", ALICE).build();
    AccessPolicy policy = policy();
    assertEquals(null, authorize(policy, "team-a/app", ClientIdentity.NODE));
    long asked = upstream.getAllServeEvents().size();
    // No node credential matches team-b: refused without asking with anybody's credentials.
    assertDenied(authorize(policy, "team-b/app", ClientIdentity.NODE));
    assertEquals(
        1,
        upstream.getAllServeEvents().size() - asked,
        "only the public check of team-b went upstream");
    assertTrue(
        decisions.contains("node=true") && decisions.contains("node=false"), decisions.toString());
  }

  @Test
  void storedSubjects_neverHoldTheSecret() throws Exception {
    assertEquals(null, authorize(policy(), "team-a/app", as(ALICE)));
    restart();
    // Walk the raw store: the verdict is there, keyed by a hash, and no byte of the password is.
    assertTrue(
        storage
            .verdicts()
            .get(
                "private.test",
                "team-a/app",
                Subject.client(ALICE, storage.verdicts().subjectKey()).key())
            .orElseThrow()
            .allowed());
    byte[] secret = "alice-pw".getBytes(StandardCharsets.UTF_8);
    try (var files = java.nio.file.Files.walk(dir.resolve("data"))) {
      for (Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        byte[] content = java.nio.file.Files.readAllBytes(file);
        assertEquals(-1, indexOf(content, secret), file.toString());
      }
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
