package dev.berth.auth.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.auth.gostd.GoUrl;
import dev.berth.auth.gostd.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryPathTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // input                              | host                | hostname          | port |
        // path
        "docker.io/library/nginx              | docker.io           | docker.io         | ''   | /library/nginx",
        "my-registry.io:5000/images/app       | my-registry.io:5000 | my-registry.io    | 5000 | /images/app",
        "registry.k8s.io                      | registry.k8s.io     | registry.k8s.io   | ''   | ''",
        "quay.io/                             | quay.io             | quay.io           | ''   | /",
        "*.example.com:443/team               | *.example.com:443   | *.example.com     | 443  | /team",
        // Go's validOptionalPort accepts an empty port, and SplitHostPort gives port "".
        "reg.io:                              | reg.io:             | reg.io            | ''   | ''",
        // Path escapes are decoded; query, fragment and userinfo are dropped.
        "reg.io/a%20b%2Fc                     | reg.io              | reg.io            | ''   | /a b/c",
        "reg.io/app?tag=1                     | reg.io              | reg.io            | ''   | /app",
        "reg.io?x/y                           | reg.io              | reg.io            | ''   | ''",
        "reg.io/app#frag                      | reg.io              | reg.io            | ''   | /app",
        "user:pw@reg.io/app                   | reg.io              | reg.io            | ''   | /app",
        // The path keeps what url.Parse keeps, including a /v1/ prefix and double slashes.
        "index.docker.io/v1//google/docker-registry | index.docker.io | index.docker.io | '' | /v1//google/docker-registry",
        // IPv6 literals: SplitHostPort strips the brackets.
        "[2001:db8::1]:5000/app               | [2001:db8::1]:5000  | 2001:db8::1       | 5000 | /app",
        "[::1]                                | [::1]               | [::1]             | ''   | ''",
        // Non-ASCII hosts are kept as they are, and %-escapes of non-ASCII bytes decoded.
        "régistry.io/x                        | régistry.io         | régistry.io       | ''   | /x",
        "r%C3%A9gistry.io/x                   | régistry.io         | régistry.io       | ''   | /x",
        // Upper case is kept: matching is case-sensitive.
        "Registry.IO/App                      | Registry.IO         | Registry.IO       | ''   | /App",
        // A character class with a port makes SplitHostPort fail: the whole host, no port.
        "reg[0-9].io:5000                     | reg[0-9].io:5000    | reg[0-9].io:5000  | ''   | ''",
        // Two colons outside brackets: too many colons, the whole host, no port.
        "a:1:2                                | a:1:2               | a:1:2             | ''   | ''",
      })
  void parse_splitsLikeParseSchemelessUrlAndSplitUrl(
      String input, String host, String hostname, String port, String path) {
    RegistryPath p = RegistryPath.parse(input);
    assertEquals(host, p.host(), "host");
    assertEquals(hostname, p.hostname(), "hostname");
    assertEquals(port, p.port(), "port");
    assertEquals(path, p.path(), "path");
    assertEquals(host + path, p.toString());
  }

  @Test
  void hostParts_keepEmptyPartsLikeGoStringsSplit() {
    assertEquals(List.of("a", "", "b", ""), RegistryPath.parse("a..b.").hostParts());
    assertEquals(List.of(""), RegistryPath.parse("").hostParts());
    assertEquals(
        List.of("*", "kubernetes", "io"), RegistryPath.parse("*.kubernetes.io:1/x").hostParts());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "reg.io:abc/app          | invalid port \":abc\" after host",
        "reg.io/a%zz             | invalid URL escape \"%zz\"",
        "reg.io/a%2              | invalid URL escape \"%2\"",
        "reg%41.io               | invalid URL escape \"%41\"",
        "reg io                  | invalid character \" \" in host name",
        "reg^io                  | invalid character \"^\" in host name",
        "reg\\io                 | invalid character \"\\\\\" in host name",
        "reg{x}.io               | invalid character \"{\" in host name",
        "[::1                    | missing ']' in host",
        "[::1]x                  | invalid port \"x\" after host",
        "[1.2.3.4]               | invalid IP-literal in host",
        "[registry]:5000         | invalid IP-literal in host",
        "reg.io/a%ff             | percent-escapes decode to invalid UTF-8",
        "reg.io#%zz              | invalid URL escape \"%zz\"",
      })
  void parse_invalid_rejectedWithGoReason(String input, String reason) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RegistryPath.parse(input));
    assertEquals("invalid registry path " + Json.quote(input) + ": " + reason, e.getMessage());
    assertTrue(RegistryPath.tryParse(input).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"reg.io/a\nb", "reg.io\u007f", "\treg.io"})
  void parse_controlCharacter_rejected(String input) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RegistryPath.parse(input));
    assertTrue(e.getMessage().endsWith("net/url: invalid control character in URL"));
  }

  @Test
  void parse_controlCharacterInFragment_acceptedLikeGo() {
    // Go cuts the fragment off before its control-character check.
    assertEquals("reg.io/x", RegistryPath.parse("reg.io/x#a\tb").toString());
  }

  @Test
  void parse_invalidUserinfo_rejectedWithoutQuotingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> RegistryPath.parse("user:p%zzword@reg.io"));
    assertFalse(e.getMessage().contains("p%zzword"), e.getMessage());
    assertFalse(e.getMessage().contains("%zz\""), e.getMessage());
    assertTrue(e.getMessage().contains("***@reg.io"), e.getMessage());

    IllegalArgumentException invalid =
        assertThrows(IllegalArgumentException.class, () -> RegistryPath.parse("us er@reg.io"));
    assertTrue(invalid.getMessage().endsWith("net/url: invalid userinfo"), invalid.getMessage());
  }

  @Test
  void parse_globCharactersInHost_accepted() {
    assertEquals("*.example.com", RegistryPath.parse("*.example.com").host());
    assertEquals("reg[0-9!].io", RegistryPath.parse("reg[0-9!].io").host());
  }

  @Test
  void equals_byHostAndPath() {
    assertEquals(RegistryPath.parse("reg.io/app"), RegistryPath.parse("user@reg.io/app?x#y"));
    assertEquals(
        RegistryPath.parse("reg.io/app").hashCode(), RegistryPath.parse("reg.io/app#y").hashCode());
    assertNotEquals(RegistryPath.parse("reg.io/app"), RegistryPath.parse("reg.io:443/app"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "reg.io/app                    | reg.io/app",
        "user:pass@reg.io/app          | ***@reg.io/app",
        "https://user:pass@reg.io/app  | https://***@reg.io/app",
        "user:pa/ss@reg.io             | ***@reg.io",
        "user:p@ss@reg.io              | ***@reg.io",
      })
  void redactUserinfo_hidesEverythingBeforeTheLastAt(String input, String expected) {
    assertEquals(expected, RegistryPath.redactUserinfo(input));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "::1",
        "::",
        "1::",
        "2001:db8::1",
        "2001:0db8:0000:0000:0000:0000:0000:0001",
        "::ffff:192.0.2.1",
        "1:2:3:4:5:6:7::",
        "1:2:3:4:5:6:192.0.2.1"
      })
  void ipv6_valid(String address) {
    assertTrue(GoUrl.Ipv6.isValid(address), address);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "1.2.3.4",
        ":1",
        "1:",
        "1:::2",
        "1::2::3",
        "12345::",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "::1:2:3:4:5:6:7:8",
        "::256.0.0.1",
        "::01.2.3.4",
        "g::1",
        "registry"
      })
  void ipv6_invalid(String address) {
    assertFalse(GoUrl.Ipv6.isValid(address), address);
  }
}
