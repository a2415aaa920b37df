package dev.berth.auth.challenge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TokenCacheTest {
  private static final URI REALM = URI.create("https://auth.docker.io/token");

  /** A clock moved by hand. */
  static final class FakeClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static TokenRequest request(String repo, String credential) {
    return new TokenRequest(
        REALM,
        "registry.docker.io",
        List.of(TokenScope.repositoryPull(repo)),
        credential.equals("anonymous")
            ? null
            : dev.berth.auth.credential.Credential.basic("user", credential));
  }

  @Test
  void get_concurrentCallers_shareOneFetch() {
    FakeClock clock = new FakeClock();
    CompletableFuture<BearerToken> pending = new CompletableFuture<>();
    AtomicInteger calls = new AtomicInteger();
    TokenCache cache =
        new TokenCache(
            r -> {
              calls.incrementAndGet();
              return pending;
            },
            clock);
    CompletableFuture<BearerToken> a = cache.get(request("library/nginx", "anonymous"));
    CompletableFuture<BearerToken> b = cache.get(request("library/nginx", "anonymous"));
    pending.complete(new BearerToken("t", clock.now.plusSeconds(300)));
    assertEquals("t", a.join().token());
    assertEquals("t", b.join().token());
    assertEquals(1, calls.get());
  }

  @Test
  void get_keysByScopeAndCredential() {
    FakeClock clock = new FakeClock();
    AtomicInteger calls = new AtomicInteger();
    TokenCache cache =
        new TokenCache(
            r ->
                CompletableFuture.completedFuture(
                    new BearerToken(
                        r.credentialId() + calls.incrementAndGet(), clock.now.plusSeconds(300))),
            clock);
    String anon = cache.get(request("library/nginx", "anonymous")).join().token();
    String tenant = cache.get(request("library/nginx", "tenant-password")).join().token();
    String other = cache.get(request("library/redis", "anonymous")).join().token();
    assertEquals(3, calls.get());
    assertFalse(anon.equals(tenant), "a credentialed token was shared with anonymous");
    assertEquals(anon, cache.get(request("library/nginx", "anonymous")).join().token());
    assertFalse(other.equals(anon));
  }

  @Test
  void get_expiresShortlyBeforeServerExpiry() {
    FakeClock clock = new FakeClock();
    AtomicInteger calls = new AtomicInteger();
    TokenCache cache =
        new TokenCache(
            r ->
                CompletableFuture.completedFuture(
                    new BearerToken("t" + calls.incrementAndGet(), clock.now.plusSeconds(300))),
            clock);
    TokenRequest r = request("library/nginx", "anonymous");
    assertEquals("t1", cache.get(r).join().token());
    clock.now = clock.now.plusSeconds(260); // 300 s lifetime, 30 s margin: still valid
    assertEquals("t1", cache.get(r).join().token());
    clock.now = clock.now.plusSeconds(15); // 275 s: inside the margin
    assertEquals("t2", cache.get(r).join().token());
  }

  @Test
  void get_failedFetch_isNotCached() {
    FakeClock clock = new FakeClock();
    AtomicInteger calls = new AtomicInteger();
    TokenCache cache =
        new TokenCache(
            r ->
                calls.incrementAndGet() == 1
                    ? CompletableFuture.failedFuture(new RuntimeException("token server down"))
                    : CompletableFuture.completedFuture(
                        new BearerToken("ok", clock.now.plusSeconds(60))),
            clock);
    TokenRequest r = request("library/nginx", "anonymous");
    assertThrows(ExecutionException.class, () -> cache.get(r).get());
    assertEquals("ok", cache.get(r).join().token());
  }

  @Test
  void invalidate_forcesRefetch() {
    FakeClock clock = new FakeClock();
    AtomicInteger calls = new AtomicInteger();
    TokenCache cache =
        new TokenCache(
            r ->
                CompletableFuture.completedFuture(
                    new BearerToken("t" + calls.incrementAndGet(), clock.now.plusSeconds(300))),
            clock);
    TokenRequest r = request("library/nginx", "anonymous");
    cache.get(r).join();
    cache.invalidate(r);
    assertEquals("t2", cache.get(r).join().token());
  }

  @Test
  void fromResponse_rules() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    BearerToken both = BearerToken.fromResponse("a", "b", 300L, null, now);
    assertEquals("b", both.token(), "access_token is preferred");
    assertEquals(now.plusSeconds(300), both.expiresAt());
    assertEquals(
        now.plusSeconds(60), BearerToken.fromResponse("a", null, null, null, now).expiresAt());
    assertEquals(
        now.plusSeconds(60), BearerToken.fromResponse("a", null, 5L, null, now).expiresAt());
    assertEquals(
        now.plusSeconds(290),
        BearerToken.fromResponse("a", null, 300L, now.minusSeconds(10), now).expiresAt());
    assertThrows(
        IllegalArgumentException.class, () -> BearerToken.fromResponse(null, "", 300L, null, now));
    assertFalse(both.toString().contains("b,"));
    assertTrue(both.toString().contains("redacted"));
    assertEquals(Duration.ofSeconds(270), Duration.between(now, both.refreshAt(now)));
  }

  @Test
  void tokenRequest_scopesSortedAndDeduplicated() {
    TokenRequest r =
        new TokenRequest(
            REALM,
            "",
            List.of(
                TokenScope.repositoryPull("b"),
                TokenScope.repositoryPull("a"),
                TokenScope.repositoryPull("b")),
            null);
    assertEquals(
        List.of(TokenScope.repositoryPull("a"), TokenScope.repositoryPull("b")), r.scopes());
    assertTrue(r.serviceParam().isEmpty());
    assertEquals("anonymous", r.credentialId());
    TokenRequest withSecret =
        new TokenRequest(
            REALM, "", List.of(), dev.berth.auth.credential.Credential.basic("u", "hunter2"));
    assertTrue(!withSecret.toString().contains("hunter2"), withSecret.toString());
  }
}
