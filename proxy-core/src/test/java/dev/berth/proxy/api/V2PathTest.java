package dev.berth.proxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.image.InvalidReferenceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The routing vectors of docs/protocol.md §4.6. */
class V2PathTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "/v2/foo/manifests/bar, MANIFEST, foo, bar",
    "/v2/foo/bar/manifests/sha256:abcdef01234567890, MANIFEST, foo/bar, sha256:abcdef01234567890",
    "/v2/docker.com/foo/bar/baz/tags/list, TAGS_LIST, docker.com/foo/bar/baz, ",
    "/v2/foo/bar/manifests/manifests/tags, MANIFEST, foo/bar/manifests, tags",
    "/v2/foo/bar/manifests/tags/list, TAGS_LIST, foo/bar/manifests, ",
    "/v2/locahost:8080/foo/bar/baz/manifests/tag, MANIFEST, locahost:8080/foo/bar/baz, tag",
    "/v2/library/nginx/blobs/sha256:aa, BLOB, library/nginx, sha256:aa",
    "/v2/a/blobs/blobs/sha256:aa, BLOB, a/blobs, sha256:aa",
    "/v2/org/app/referrers/sha256:bb, REFERRERS, org/app, sha256:bb",
    "/v2/org/app/blobs/uploads/, BLOB_UPLOAD, org/app, ",
    "/v2/org/app/blobs/uploads/abc, BLOB_UPLOAD, org/app, ",
  })
  void parse_routes(String path, V2Path.Route route, String name, String ref) {
    V2Path p = V2Path.parse(path).orElseThrow();
    assertEquals(route, p.route());
    assertEquals(name, p.name());
    assertEquals(ref, p.reference());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v2/", "/v2/foo", "/v2/foo/unknown/x", "/v3/foo/manifests/x", "/"})
  void parse_notAnEndpoint_empty(String path) {
    assertTrue(V2Path.parse(path).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v2/foo/../bar/baz/tags/list",
        "/v2/foo/./bar/manifests/x",
        "/v2/foo%2Fbar/manifests/x",
        "/v2/foo//bar/manifests/x",
        "/v2/foo/不bar/tags/list",
        "/v2/foo bar/manifests/x",
      })
  void parse_malformed_throws(String path) {
    assertThrows(InvalidReferenceException.class, () -> V2Path.parse(path));
  }

  @Test
  void parse_overlong_throws() {
    String path = "/v2/" + "a/".repeat(600) + "manifests/x";
    assertThrows(InvalidReferenceException.class, () -> V2Path.parse(path));
  }
}
