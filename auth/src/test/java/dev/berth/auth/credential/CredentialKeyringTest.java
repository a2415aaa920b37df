package dev.berth.auth.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CredentialKeyringTest {
  private static final Credential ADA = Credential.basic("ada", "ada-secret");
  private static final Credential GRACE = Credential.basic("grace", "grace-secret");
  private static final Credential CRED = Credential.basic("user", "password");

  /** docs/protocol.md §3.1 examples, plus derived edge cases of the same steps. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "https://index.docker.io/v1/   | index.docker.io",
        "https://quay.io/v1/           | quay.io",
        "*.docker.io/v2/               | *.docker.io",
        "registry.io:8080/path         | registry.io:8080/path",
        // derived
        "http://reg.io/                | reg.io",
        "reg.io                        | reg.io",
        "https://reg.io/v1             | reg.io/v1",
        "https://reg.io/v2/team        | reg.io/team",
        "reg.io/v1/v2/                 | reg.io/v2/",
        "https://user:pw@reg.io:5000/  | reg.io:5000",
        "reg.io/team?x=1#frag          | reg.io/team",
        "reg.io/a%2Fb                  | reg.io/a/b",
        // The scheme test is case-sensitive: "HTTPS://" gets "https://" in front, and "HTTPS:"
        // becomes the host (with an empty port), exactly as in the kubelet.
        "HTTPS://reg.io                | HTTPS://reg.io",
      })
  void normalizeKey_likeBasicDockerKeyringAdd(String configKey, String expected) throws Exception {
    assertEquals(expected, CredentialKeyring.normalizeKey(configKey));
    assertEquals(
        List.of(expected), CredentialKeyring.builder().add(configKey, CRED).build().keys());
  }

  /** docs/protocol.md §3.5, TestDockerKeyringForGlob. */
  @ParameterizedTest(name = "key {0}, lookup {1}: hit={2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "https://hello.kubernetes.io    | hello.kubernetes.io/foo/bar               | true",
        "https://*.docker.io            | prefix.docker.io/foo/bar                  | true",
        "https://prefix.*.io/path       | prefix.docker.io/path/subpath/foo/bar     | true",
        "https://*.docker.io:8888       | prefix.docker.io:8888/foo/bar             | true",
        "https://*.docker.io/path:1111  | prefix.docker.io/path:1111/foo/bar        | true",
        "https://*.docker.io/v1/        | prefix.docker.io/path:1111/foo/bar        | true",
        "https://*.docker.io/v2/        | prefix.docker.io/path:1111/foo/bar        | true",
        "prefix.docker.io:1111          | prefix.docker.io:1111/path/foo/bar        | true",
        "*.docker.io:1111               | prefix.docker.io:1111/path/foo/bar        | true",
        "https://hello.kubernetes.io    | world.mesos.org/foo/bar                   | false",
        "https://*.docker.com           | prefix.docker.io/foo/bar                  | false",
        "https://suffix.*.io            | prefix.docker.io/foo/bar                  | false",
        "https://prefix.docker.c*       | prefix.docker.io/foo/bar                  | false",
        "https://prefix.*.io/path:1111  | prefix.docker.io/path/subpath:1111/foo/bar | false",
      })
  void lookup_globKeys(String configKey, String image, boolean hit) {
    CredentialKeyring keyring = CredentialKeyring.builder().add(configKey, CRED).build();
    assertEquals(hit ? List.of(CRED) : List.of(), keyring.lookup(image));
  }

  /** docs/protocol.md §3.5, TestDockerKeyringLookup. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bar.example.com            | ada",
        "bar.example.com/pong       | grace,ada",
        "bar.example.com/ping       | ada",
        "bar.example.com/pongz      | grace,ada",
        "bar.example.com/pong/pang  | grace,ada",
        "example.com                | ''",
        "foo.example.com            | ''",
      })
  void lookup_mostSpecificFirst(String image, String expectedUsers) {
    // Added least specific first: the order comes from the index, not from insertion.
    CredentialKeyring keyring =
        CredentialKeyring.builder()
            .add("bar.example.com", ADA)
            .add("bar.example.com/pong", GRACE)
            .build();
    List<String> expected =
        expectedUsers.isEmpty() ? List.of() : Arrays.asList(expectedUsers.split(","));
    assertEquals(expected, keyring.lookup(image).stream().map(Credential::username).toList());
  }

  /** docs/protocol.md §3.5, TestIssue3797. */
  @ParameterizedTest
  @ValueSource(strings = {"quay.io", "quay.io/foo", "quay.io/foo/bar"})
  void lookup_issue3797_v1KeyMatchesHostAndPaths(String image) {
    CredentialKeyring keyring =
        CredentialKeyring.builder().add("https://quay.io/v1/", CRED).build();
    assertEquals(List.of(CRED), keyring.lookup(image));
  }

  /** docs/protocol.md §3.5, the Docker Hub fallback table, including the (derived) rows. */
  @ParameterizedTest(name = "key {0}, lookup {1}: hit={2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "https://index.docker.io/v1/ | google/docker-registry                     | true",
        "https://index.docker.io/v1/ | jenkins                                    | true",
        "https://index.docker.io/v1/ | index.docker.io/v1//google/docker-registry | true",
        "https://index.docker.io/v1/ | world.mesos.org/foo/bar                    | false",
        "https://index.docker.io/v1/ | docker.io/library/nginx                    | true",
        "docker.io                   | docker.io/library/nginx                    | true",
        "registry-1.docker.io        | docker.io/library/nginx                    | false",
      })
  void lookup_dockerHubFallback(String configKey, String image, boolean hit) {
    CredentialKeyring keyring = CredentialKeyring.builder().add(configKey, CRED).build();
    // "exactly 1 cred" where it hits.
    assertEquals(hit ? List.of(CRED) : List.of(), keyring.lookup(image));
  }

  @Test
  void lookup_dockerHubFallback_onlyWhenNothingMatched() {
    Credential hub = Credential.basic("hub", "hub-secret");
    Credential library = Credential.basic("lib", "lib-secret");
    CredentialKeyring keyring =
        CredentialKeyring.builder()
            .add("https://index.docker.io/v1/", hub)
            .add("docker.io/library", library)
            .build();
    // docker.io/library matches directly, so the index.docker.io credentials are not added.
    assertEquals(List.of(library), keyring.lookup("docker.io/library/nginx"));
    assertEquals(List.of(hub), keyring.lookup("docker.io/bitnami/redis"));
  }

  @Test
  void lookup_unparseableImage_stillGetsDockerHubFallbackLikeTheKubelet() {
    CredentialKeyring keyring =
        CredentialKeyring.builder()
            .add("https://index.docker.io/v1/", CRED)
            .add("*", Credential.basic("any", "any-secret"))
            .build();
    assertEquals(List.of(CRED), keyring.lookup("foo%zz"));
  }

  /** docs/protocol.md §3.3 isDefaultRegistryMatch. */
  @ParameterizedTest
  @ValueSource(strings = {"foo/bar", "docker.io/foo/bar", "index.docker.io/foo/bar", "foo"})
  void isDefaultRegistryMatch_true(String image) {
    assertTrue(CredentialKeyring.isDefaultRegistryMatch(image));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "registry.tld/foo/bar", "registry:5000/foo/bar", "myhostdocker.io/foo/bar"})
  void isDefaultRegistryMatch_false(String image) {
    assertFalse(CredentialKeyring.isDefaultRegistryMatch(image));
  }

  @Test
  void isDefaultRegistryMatch_leadingSlash_false() {
    assertFalse(CredentialKeyring.isDefaultRegistryMatch("/library/nginx"));
  }

  @Test
  void keys_reverseByteOrder() {
    CredentialKeyring keyring =
        CredentialKeyring.builder()
            .add("*.example.com", CRED)
            .add("gcr.io", CRED)
            .add("bar.example.com", CRED)
            .add("registry.example.com", CRED)
            .add("quay.io", CRED)
            .add("bar.example.com/pong", CRED)
            .build();
    assertEquals(
        List.of(
            "registry.example.com",
            "quay.io",
            "gcr.io",
            "bar.example.com/pong",
            "bar.example.com",
            "*.example.com"),
        keyring.keys());
  }

  @Test
  void keys_sortByUtf8BytesNotUtf16Units() {
    // U+1F600 is a surrogate pair (0xD83D...) in UTF-16, below U+FFFD there; in UTF-8 (and code
    // points) it is above, so Go's sort puts it first in reverse order.
    CredentialKeyring keyring =
        CredentialKeyring.builder().add("\uFFFD.io", CRED).add("\uD83D\uDE00.io", CRED).build();
    assertEquals(List.of("\uD83D\uDE00.io", "\uFFFD.io"), keyring.keys());
  }

  @Test
  void lookup_literalHostBeforeWildcard() {
    Credential literal = Credential.basic("literal", "l-secret");
    Credential wildcard = Credential.basic("wildcard", "w-secret");
    CredentialKeyring keyring =
        CredentialKeyring.builder()
            .add("*.example.com", wildcard)
            .add("registry.example.com", literal)
            .build();
    assertEquals(List.of(literal, wildcard), keyring.lookup("registry.example.com/app"));
  }

  @Test
  void add_sameNormalizedKey_deduplicatedAndKeepsInsertionOrder() {
    Credential first = Credential.basic("first", "1");
    Credential second = Credential.basic("second", "2");
    Credential third = Credential.identityToken("", "refresh");
    CredentialKeyring keyring =
        CredentialKeyring.builder()
            .add("https://index.docker.io/v1/", first)
            .add("index.docker.io", second)
            .add("http://index.docker.io/v2/", third)
            .build();
    assertEquals(List.of("index.docker.io"), keyring.keys());
    assertEquals(List.of(first, second, third), keyring.lookup("index.docker.io/library/nginx"));
    assertEquals(List.of(first, second, third), keyring.credentialsFor("index.docker.io"));
  }

  @Test
  void add_unparseableKey_skippedWithWarning() {
    CredentialKeyring.Builder builder =
        CredentialKeyring.builder().add("reg.io:abc", CRED).add("good.io", ADA);
    assertEquals(
        List.of(
            "config key \"reg.io:abc\" is not a valid URL (invalid port \":abc\" after host); its"
                + " credentials are ignored"),
        builder.warnings());
    assertEquals(List.of("good.io"), builder.build().keys());
  }

  @Test
  void add_unparseableKeyWithUserinfo_warningRedactsIt() {
    CredentialKeyring.Builder builder =
        CredentialKeyring.builder().add("https://bob:hunter2@reg.io:abc", CRED);
    String warning = builder.warnings().get(0);
    assertFalse(warning.contains("hunter2"), warning);
    assertTrue(warning.contains("https://***@reg.io:abc"), warning);
  }

  @Test
  void lookup_keyThatDoesNotReparse_neverMatches() {
    // The path decodes to "/a%zz", so the stored key "reg.io/a%zz" is no longer a valid URL.
    CredentialKeyring keyring =
        CredentialKeyring.builder().add("https://reg.io/a%25zz", CRED).build();
    assertEquals(List.of("reg.io/a%zz"), keyring.keys());
    assertEquals(List.of(), keyring.lookup("reg.io/a%25zz/app"));
    assertEquals(List.of(), keyring.lookup("reg.io/a"));
  }

  @Test
  void lookup_allMatchingKeys_inIndexOrder() {
    Credential team = Credential.basic("team", "t");
    Credential host = Credential.basic("host", "h");
    Credential any = Credential.basic("any", "a");
    CredentialKeyring keyring =
        CredentialKeyring.builder()
            .add("*.io", any)
            .add("reg.io", host)
            .add("reg.io/team", team)
            .build();
    assertEquals(List.of(team, host, any), keyring.lookup("reg.io/team/app"));
  }

  @Test
  void empty_hasNoKeysAndFindsNothing() {
    assertTrue(CredentialKeyring.empty().isEmpty());
    assertEquals(List.of(), CredentialKeyring.empty().lookup("docker.io/library/nginx"));
    assertSame(CredentialKeyring.empty(), CredentialKeyring.builder().build());
  }

  @Test
  void lookup_result_isUnmodifiable() {
    CredentialKeyring keyring = CredentialKeyring.builder().add("reg.io", CRED).build();
    List<Credential> found = keyring.lookup("reg.io/app");
    assertThrows(UnsupportedOperationException.class, () -> found.add(ADA));
    assertEquals(List.of(CRED), keyring.lookup("reg.io/app"));
  }

  @Test
  void builder_buildTwice_keyringsIndependent() {
    CredentialKeyring.Builder builder = CredentialKeyring.builder().add("reg.io", CRED);
    CredentialKeyring first = builder.build();
    builder.add("reg.io", ADA);
    assertEquals(List.of(CRED), first.lookup("reg.io/app"));
    assertEquals(List.of(CRED, ADA), builder.build().lookup("reg.io/app"));
  }
}
