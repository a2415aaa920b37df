package dev.berth.proxy.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.image.InvalidReferenceException.Kind;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The vectors of docs/protocol.md §1.5 (raw Parse) and §1.6 (normalization). */
class ImageReferenceTest {
  private static final String F64 = "f".repeat(64);

  static Stream<Arguments> rawValid() {
    return Stream.of(
        // input, name, domain, tag, digest
        Arguments.of("test_com", "test_com", "", null, null),
        Arguments.of("test.com:tag", "test.com", "", "tag", null),
        Arguments.of("test.com:5000", "test.com", "", "5000", null),
        Arguments.of("test.com/repo:tag", "test.com/repo", "test.com", "tag", null),
        Arguments.of("test:5000/repo", "test:5000/repo", "test:5000", null, null),
        Arguments.of(
            "test:5000/repo:tag@sha256:" + F64,
            "test:5000/repo",
            "test:5000",
            "tag",
            "sha256:" + F64),
        Arguments.of("lowercase:Uppercase", "lowercase", "", "Uppercase", null),
        Arguments.of(
            "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
            "sub-dom1.foo.com/bar/baz/quux",
            "sub-dom1.foo.com",
            "some-long-tag",
            null),
        Arguments.of(
            "b.gcr.io/test.example.com/my-app:test.example.com",
            "b.gcr.io/test.example.com/my-app",
            "b.gcr.io",
            "test.example.com",
            null),
        Arguments.of(
            "xn--7o8h.com/myimage:xn--7o8h.com@sha256:" + F64,
            "xn--7o8h.com/myimage",
            "xn--7o8h.com",
            "xn--7o8h.com",
            "sha256:" + F64),
        Arguments.of("foo_bar.com:8080", "foo_bar.com", "", "8080", null),
        Arguments.of("foo/foo_bar.com:8080", "foo/foo_bar.com", "foo", "8080", null),
        Arguments.of(
            "192.168.1.1:5000/repo:5050",
            "192.168.1.1:5000/repo",
            "192.168.1.1:5000",
            "5050",
            null),
        Arguments.of(
            "[2001:db8::1]:5000/repo:tag@sha256:" + F64,
            "[2001:db8::1]:5000/repo",
            "[2001:db8::1]:5000",
            "tag",
            "sha256:" + F64),
        Arguments.of(
            "a/".repeat(127) + "a:tag-puts-this-over-max",
            "a/".repeat(127) + "a",
            "a",
            "tag-puts-this-over-max",
            null),
        Arguments.of(
            "example.com/" + "a".repeat(255) + ":tag",
            "example.com/" + "a".repeat(255),
            "example.com",
            "tag",
            null),
        // sha512 is accepted by berth (as by Kubernetes' parsers), unlike the reference's test.
        Arguments.of(
            "validname@sha512:" + "f".repeat(128),
            "validname",
            "",
            null,
            "sha512:" + "f".repeat(128)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rawValid")
  void parse_valid(String input, String name, String domain, String tag, String digest) {
    ImageReference r = ImageReference.parse(input);
    assertEquals(name, r.name());
    assertEquals(domain, r.domain());
    assertEquals(tag, r.tag());
    assertEquals(digest, r.digest() == null ? null : r.digest().toString());
    assertEquals(input, r.toString());
  }

  static Stream<Arguments> rawInvalid() {
    return Stream.of(
        Arguments.of("", Kind.NAME_EMPTY),
        Arguments.of(":justtag", Kind.INVALID_FORMAT),
        Arguments.of("@sha256:" + F64, Kind.INVALID_FORMAT),
        Arguments.of("repo@sha256:" + "f".repeat(34), Kind.DIGEST_INVALID),
        Arguments.of("validname@invaliddigest:" + F64, Kind.DIGEST_INVALID),
        Arguments.of("Uppercase:tag", Kind.NAME_CONTAINS_UPPERCASE),
        Arguments.of("test:5000/Uppercase/lowercase:tag", Kind.NAME_CONTAINS_UPPERCASE),
        Arguments.of("domain/" + "a".repeat(256) + ":tag", Kind.NAME_TOO_LONG),
        Arguments.of("aa/asdf$$^/aa", Kind.INVALID_FORMAT),
        Arguments.of("[2001:db8::1]", Kind.INVALID_FORMAT),
        Arguments.of("[2001:db8::1]:5000", Kind.INVALID_FORMAT),
        Arguments.of("[2001:db8::1]:tag", Kind.INVALID_FORMAT),
        Arguments.of("[fe80::1%eth0]:5000/repo", Kind.INVALID_FORMAT),
        Arguments.of("nginx@sha256:" + "F".repeat(64), Kind.DIGEST_INVALID),
        Arguments.of("a/b___c", Kind.INVALID_FORMAT),
        Arguments.of("nginx:" + "t".repeat(129), Kind.INVALID_FORMAT),
        Arguments.of("nginx:-bad", Kind.INVALID_FORMAT));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("rawInvalid")
  void parse_invalid(String input, Kind kind) {
    InvalidReferenceException e =
        assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(input));
    assertEquals(kind, e.kind(), e.getMessage());
  }

  static Stream<Arguments> normalized() {
    return Stream.of(
        // input, domain, path, String()
        Arguments.of("foo", "docker.io", "library/foo", "docker.io/library/foo"),
        Arguments.of("docker.io/foo", "docker.io", "library/foo", "docker.io/library/foo"),
        Arguments.of(
            "docker.io/library/foo/bar",
            "docker.io",
            "library/foo/bar",
            "docker.io/library/foo/bar"),
        Arguments.of(
            "index.docker.io/library/debian",
            "docker.io",
            "library/debian",
            "docker.io/library/debian"),
        Arguments.of("test_com/foo", "docker.io", "test_com/foo", "docker.io/test_com/foo"),
        Arguments.of(
            "docker/migrator", "docker.io", "docker/migrator", "docker.io/docker/migrator"),
        Arguments.of("test.com:8080/foo", "test.com:8080", "foo", "test.com:8080/foo"),
        Arguments.of("test-com:8080/foo", "test-com:8080", "foo", "test-com:8080/foo"),
        Arguments.of("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", "xn--n3h.com:18080/foo"),
        Arguments.of("localhost/fooo/bar", "localhost", "fooo/bar", "localhost/fooo/bar"),
        Arguments.of("LOCALDOMAIN/fooo", "LOCALDOMAIN", "fooo", "LOCALDOMAIN/fooo"),
        Arguments.of("Foo/bar", "Foo", "bar", "Foo/bar"),
        Arguments.of(
            "127.0.0.1:8000/privatebase",
            "127.0.0.1:8000",
            "privatebase",
            "127.0.0.1:8000/privatebase"),
        Arguments.of(
            "busybox:latest@sha256:" + F64,
            "docker.io",
            "library/busybox",
            "docker.io/library/busybox:latest@sha256:" + F64),
        Arguments.of(
            "localhost:5000", "docker.io", "library/localhost", "docker.io/library/localhost:5000"),
        Arguments.of("myhost/app", "docker.io", "myhost/app", "docker.io/myhost/app"),
        Arguments.of("MyHost/app", "MyHost", "app", "MyHost/app"),
        Arguments.of(
            "registry.k8s.io/pause:3.9", "registry.k8s.io", "pause", "registry.k8s.io/pause:3.9"),
        Arguments.of(
            "docker.io/1a3f" + "0".repeat(60),
            "docker.io",
            "library/1a3f" + "0".repeat(60),
            "docker.io/library/1a3f" + "0".repeat(60)),
        Arguments.of("f".repeat(63), "docker.io", "library/" + "f".repeat(63), null),
        Arguments.of("docker---rules/docker", "docker.io", "docker---rules/docker", null),
        Arguments.of("dock__er/docker", "docker.io", "dock__er/docker", null),
        Arguments.of("d/docker", "docker.io", "d/docker", null),
        Arguments.of("jess/t", "docker.io", "jess/t", null),
        Arguments.of("x".repeat(64), "docker.io", "library/" + "x".repeat(64), null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("normalized")
  void parseNormalized_vectors(String input, String domain, String path, String string) {
    ImageReference r = ImageReference.parseNormalized(input);
    assertEquals(domain, r.domain());
    assertEquals(path, r.path());
    if (string != null) {
      assertEquals(string, r.toString());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://github.com/docker/docker",
        "docker/Docker",
        "-docker",
        "-docker/docker",
        "-docker.io/docker/docker",
        "docker///docker",
        "docker.io/docker/Docker",
        "[fc00::1]",
        "[fc00::1]:5000",
        "fc00::1:5000/debian",
        "[fe80::1%eth0]:5000/debian",
        "[2001:db8:3:4::192.0.2.33]:5000/debian",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "docker-/docker",
        "-docker-/docker",
        "____/____",
        "_docker/_docker",
        "dock..er/docker",
        "dock_.er/docker",
        "dock-.er/docker",
        "docker/",
      })
  void parseNormalized_invalid(String input) {
    assertThrows(InvalidReferenceException.class, () -> ImageReference.parseNormalized(input));
  }

  @Test
  void parseNormalized_overlongFirstComponent_invalid() {
    assertThrows(
        InvalidReferenceException.class,
        () -> ImageReference.parseNormalized("a".repeat(256) + "/b"));
  }

  @Test
  void parseDockerRef_defaults() {
    assertEquals(
        "docker.io/library/busybox:latest", ImageReference.parseDockerRef("busybox").toString());
    assertEquals(
        "gcr.io/library/busybox:latest",
        ImageReference.parseDockerRef("gcr.io/library/busybox").toString());
    String d = "sha256:" + "e".repeat(64);
    ImageReference r = ImageReference.parseDockerRef("gcr.io/library/busybox:latest@" + d);
    assertEquals("gcr.io/library/busybox@" + d, r.toString());
    assertNull(r.tag());
  }

  @Test
  void familiarName_dropsHubDefaults() {
    assertEquals("nginx", ImageReference.parseNormalized("nginx").familiarName());
    assertEquals(
        "library/foo/bar",
        ImageReference.parseNormalized("docker.io/library/foo/bar").familiarName());
    assertEquals(
        "ghcr.io/org/app", ImageReference.parseNormalized("ghcr.io/org/app").familiarName());
  }

  @Test
  void parse_fuzzed_onlyTypedErrors() {
    Random random = new Random(5);
    String alphabet = "abcXYZ019.-_:/@[]%$ sha256";
    for (int i = 0; i < 50_000; i++) {
      StringBuilder s = new StringBuilder();
      int len = random.nextInt(40);
      for (int j = 0; j < len; j++) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      try {
        ImageReference r = ImageReference.parseNormalized(s.toString());
        assertTrue(r.path().length() <= 255);
      } catch (InvalidReferenceException expected) {
        assertTrue(expected.getMessage().startsWith("invalid reference"));
      }
    }
  }
}
