package dev.berth.auth.challenge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RealmPolicyTest {
  @ParameterizedTest(name = "{0} realm {1} -> {2}")
  @CsvSource({
    "https://registry-1.docker.io, https://auth.docker.io/token, true",
    "https://ghcr.io, https://ghcr.io/token, true",
    "https://quay.io, https://quay.io/v2/auth, true",
    "https://registry-1.docker.io, https://evil.example.com/token, false",
    "https://registry-1.docker.io, http://auth.docker.io/token, false",
    "http://127.0.0.1:5000, http://127.0.0.1:5000/auth, true",
    "http://127.0.0.1:5000, http://127.0.0.2:5000/auth, false",
    "https://registry-1.docker.io, https://localhost/token, false",
    "https://registry-1.docker.io, https://169.254.169.254/latest, false",
    "https://reg.example.co.uk, https://auth.example.co.uk/token, true",
    "https://reg.example.co.uk, https://evil.co.uk/token, false",
    "https://registry.internal:5000, https://corp-auth.example.com/token, true",
  })
  void check(String upstream, String realm, boolean allowed) {
    RealmPolicy policy = new RealmPolicy(URI.create(upstream), Set.of("corp-auth.example.com"));
    RealmPolicy.Decision d = policy.check(URI.create(realm));
    assertEquals(allowed, d.allowed(), d.reason());
    if (!allowed) {
      assertFalse(d.reason().isEmpty());
      assertTrue(d.reason().contains(URI.create(realm).getHost()) || d.reason().contains(realm));
    }
  }
}
