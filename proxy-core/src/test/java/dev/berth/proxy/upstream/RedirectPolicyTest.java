package dev.berth.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedirectPolicyTest {
  @ParameterizedTest
  @CsvSource({
    // next, upstream, allowed
    "https://cdn.example.com/blob, https://registry-1.docker.io, true",
    "http://storage.internal:9000/b, http://registry.internal:5000, true",
    "file:///etc/passwd, https://registry.example.com, false",
    "gopher://evil.example.com/x, https://registry.example.com, false",
    "/relative/only, https://registry.example.com, false",
    "http://127.0.0.1:9090/admin/cache, https://registry.example.com, false",
    "http://localhost:9090/metrics, https://registry.example.com, false",
    "http://[::1]:9090/metrics, https://registry.example.com, false",
    "http://169.254.169.254/latest/meta-data, https://registry.example.com, false",
    "http://0.0.0.0:9090/, https://registry.example.com, false",
    "http://[fe80::1%25eth0]:9090/, https://registry.example.com, false",
    "http://[::ffff:127.0.0.1]:9090/, https://registry.example.com, false",
    // An octet past 255 is no address, and java.net.URI then sees no host at all: refused.
    "http://1.2.3.999/x, https://registry.example.com, false",
    // An upstream on this machine may redirect to this machine (a local registry, tests).
    "http://127.0.0.1:5001/blob, http://127.0.0.1:5000, true",
    "http://localhost:5001/blob, http://localhost:5000, true",
  })
  void problem_schemesAndLocalAddresses(String next, String upstream, boolean allowed) {
    assertEquals(
        allowed,
        RedirectPolicy.problem(URI.create(next), URI.create(upstream)).isEmpty(),
        next + " from " + upstream);
  }
}
