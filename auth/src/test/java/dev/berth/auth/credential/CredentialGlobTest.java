package dev.berth.auth.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CredentialGlobTest {

  /** docs/protocol.md §3.5, the {@code URLsMatchStr(glob, target)} table from keyring_test.go. */
  @ParameterizedTest(name = "URLsMatchStr({0}, {1}) = {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "*.kubernetes.io             | prefix.kubernetes.io              | true",
        "prefix.*.io                 | prefix.kubernetes.io              | true",
        "prefix.kubernetes.*         | prefix.kubernetes.io              | true",
        "*-good.kubernetes.io        | prefix-good.kubernetes.io         | true",
        "*.kubernetes.io/blah        | prefix.kubernetes.io/blah         | true",
        "prefix.*.io/foo             | prefix.kubernetes.io/foo/bar      | true",
        "*.kubernetes.io:1111/blah   | prefix.kubernetes.io:1111/blah    | true",
        "prefix.*.io:1111/foo        | prefix.kubernetes.io:1111/foo/bar | true",
        "*kubernetes.io              | kubernetes.io                     | true",
        "*.*.*.kubernetes.io         | a.b.c.kubernetes.io               | true",
        "*.kubernetes.io             | kubernetes.io                     | false",
        "*.*.kubernetes.io           | prefix.kubernetes.io              | false",
        "*.*.kubernetes.io           | kubernetes.io                     | false",
        "*kubernetes.io              | a.kubernetes.io                   | false",
        "kubernetes.io               | kubernetes.com                    | false",
        "k*.io                       | quay.io                           | false",
        "*.kubernetes.io:1234/blah   | prefix.kubernetes.io:1111/blah    | false",
        "prefix.*.io/foo             | prefix.kubernetes.io:1111/foo/bar | false",
      })
  void urlsMatchStr_protocolVectors(String glob, String target, boolean expected) {
    assertEquals(expected, CredentialGlob.urlsMatchStr(glob, target));
    assertEquals(expected, CredentialGlob.parse(glob).matches(RegistryPath.parse(target)));
  }

  /** Consequences of the same rules that the table does not spell out. */
  @ParameterizedTest(name = "URLsMatchStr({0}, {1}) = {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // A key with a port does not match an image without one.
        "reg.io:5000                 | reg.io/app                        | false",
        // "host:" has an empty port, so it behaves exactly like "host".
        "reg.io:                     | reg.io/app                        | true",
        // The path is a plain string prefix, with no component boundary.
        "reg.io/pong                 | reg.io/pongz                      | true",
        "reg.io/pong/                | reg.io/pong                       | false",
        "reg.io/team                 | reg.io                            | false",
        // Case-sensitive, in the host and in the path.
        "Reg.io                      | reg.io                            | false",
        "reg.io/App                  | reg.io/app                        | false",
        // Character classes work per host part.
        "reg[0-9].example.com        | reg7.example.com                  | true",
        // In a key, '?' starts the URL query ("reg" is the whole host) and '\\' is not a valid
        // host character, so neither can be used as a glob in practice.
        "reg?.example.com            | reg7.example.com                  | false",
        "reg\\*.io                   | reg*.io                           | false",
        // '!' is not a negation in Go; '^' cannot be written in a URL host at all.
        "reg[!x].io                  | reg!.io                           | true",
        "reg[!x].io                  | rega.io                           | false",
        "reg[^x].io                  | rega.io                           | false",
        // A malformed pattern matches nothing.
        "reg[.io                     | reg[.io                           | false",
        // A class with a port defeats SplitHostPort: the whole "host:port" is one part.
        "reg[0-9].io:5000            | reg1.io:5000                      | false",
        // Either side failing to parse is no match.
        "reg.io                      | reg.io:abc/app                    | false",
        "reg.io/%zz                  | reg.io/%zz                        | false",
        // Userinfo, query and fragment play no part.
        "user:pw@reg.io              | reg.io/app?x=1#y                  | true",
        // IPv6 registries.
        "[2001:db8::1]:5000          | [2001:db8::1]:5000/app            | true",
        "[2001:db8::1]:5000          | [2001:db8::2]:5000/app            | false",
      })
  void urlsMatchStr_derivedCases(String glob, String target, boolean expected) {
    assertEquals(expected, CredentialGlob.urlsMatchStr(glob, target));
  }

  @Test
  void parse_invalidGlob_rejectedOnTheWayIn() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CredentialGlob.parse("reg.io:x"));
    assertTrue(e.getMessage().contains("invalid port"), e.getMessage());
  }

  @Test
  void matches_isRepeatableAndThreadFree() {
    CredentialGlob glob = CredentialGlob.parse("*.example.com/team");
    RegistryPath target = RegistryPath.parse("reg.example.com/team/app");
    for (int i = 0; i < 3; i++) {
      assertTrue(glob.matches(target));
    }
    assertFalse(glob.matches(RegistryPath.parse("reg.example.com/other")));
    assertEquals("*.example.com/team", glob.toString());
    assertEquals(RegistryPath.parse("*.example.com/team"), glob.pattern());
  }
}
