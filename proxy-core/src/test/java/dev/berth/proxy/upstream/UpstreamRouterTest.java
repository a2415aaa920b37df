package dev.berth.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.config.UpstreamConfig;
import dev.berth.proxy.image.InvalidReferenceException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpstreamRouterTest {
  private final UpstreamRouter router =
      new UpstreamRouter(
          List.of(
              new Upstream(
                  UpstreamConfig.of("docker.io", URI.create("https://registry-1.docker.io"))
                      .withDefault(true)),
              new Upstream(UpstreamConfig.of("ghcr.io", URI.create("https://ghcr.io"))),
              new Upstream(
                  UpstreamConfig.of("localhost:5000", URI.create("http://127.0.0.1:5000")))));

  @ParameterizedTest(name = "ns={0} name={1}")
  @CsvSource({
    // ns (empty = none), name, upstream, repository
    ", nginx, docker.io, library/nginx",
    ", library/nginx, docker.io, library/nginx",
    ", bitnami/redis, docker.io, bitnami/redis",
    "docker.io, nginx, docker.io, library/nginx",
    "index.docker.io, nginx, docker.io, library/nginx",
    "ghcr.io, org/app, ghcr.io, org/app",
    "ghcr.io, app, ghcr.io, app",
    ", ghcr.io/org/app, ghcr.io, org/app",
    ", docker.io/nginx, docker.io, library/nginx",
    "localhost:5000, team/app, localhost:5000, team/app",
    ", localhost:5000/team/app, localhost:5000, team/app",
  })
  void route_picksUpstream(String ns, String name, String upstream, String repository) {
    RoutedRepository r = router.route(ns, name);
    assertEquals(upstream, r.upstream().name());
    assertEquals(repository, r.repository().value());
  }

  @Test
  void route_unconfiguredNs_refusedNamingIt() {
    var e =
        assertThrows(
            UnknownUpstreamException.class, () -> router.route("169.254.169.254", "latest/meta"));
    assertTrue(e.getMessage().contains("169.254.169.254"), e.getMessage());
    assertTrue(e.getMessage().contains("docker.io, ghcr.io, localhost:5000"), e.getMessage());
  }

  @Test
  void route_unconfiguredHostInPath_refused() {
    assertThrows(UnknownUpstreamException.class, () -> router.route(null, "quay.io/org/app"));
    assertThrows(UnknownUpstreamException.class, () -> router.route(null, "localhost/app"));
  }

  @Test
  void route_noDefault_refused() {
    UpstreamRouter noDefault =
        new UpstreamRouter(
            List.of(new Upstream(UpstreamConfig.of("ghcr.io", URI.create("https://ghcr.io")))));
    assertThrows(UnknownUpstreamException.class, () -> noDefault.route(null, "org/app"));
  }

  @Test
  void route_badRepository_invalid() {
    assertThrows(InvalidReferenceException.class, () -> router.route("ghcr.io", "Org/App"));
  }
}
