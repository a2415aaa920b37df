package dev.berth.proxy.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformFilterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Entries are {@code os/arch[/variant]}, or {@code none} for an entry without a platform. */
  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // amd64: no variant in the filter means any; a variant means that one, v1 the default.
        "linux/amd64               | linux/amd64            | true",
        "linux/amd64               | linux/amd64/v3         | true",
        "linux/amd64/v2            | linux/amd64/v2         | true",
        "linux/amd64/v2            | linux/amd64            | false",
        "linux/amd64/v2            | linux/amd64/v3         | false",
        "linux/amd64/v1            | linux/amd64            | true",
        "linux/amd64               | linux/386              | false",
        "linux/amd64               | windows/amd64          | false",
        "linux/amd64               | linux/arm64            | false",
        "linux/x86_64              | linux/amd64            | true",
        "linux/x86-64              | linux/amd64/v2         | true",
        "linux/amd64               | linux/x86_64           | true",
        "LINUX/AMD64               | linux/amd64            | true",
        "linux/amd64               | Linux/AMD64            | true",
        // arm64: v8 is the default variant, in the filter and in the entry.
        "linux/arm64               | linux/arm64            | true",
        "linux/arm64               | linux/arm64/v8         | true",
        "linux/arm64/v8            | linux/arm64            | true",
        "linux/arm64/v8            | linux/arm64/v8.0       | true",
        "linux/arm64/8             | linux/arm64/v8         | true",
        "linux/arm64/v8            | linux/arm64/v9         | false",
        "linux/arm64/v9            | linux/arm64            | false",
        "linux/arm64/v9            | linux/arm64/9.0        | true",
        "linux/arm64               | linux/arm64/v9         | true",
        "linux/aarch64             | linux/arm64/v8         | true",
        "linux/arm64               | linux/aarch64          | true",
        "linux/arm64               | linux/arm/v7           | false",
        // arm: no variant in the filter means any; an entry without one is v7.
        "linux/arm                 | linux/arm/v7           | true",
        "linux/arm                 | linux/arm/v6           | true",
        "linux/arm                 | linux/arm              | true",
        "linux/arm/v7              | linux/arm              | true",
        "linux/arm/7               | linux/arm/v7           | true",
        "linux/arm/v6              | linux/arm              | false",
        "linux/arm/v6              | linux/arm/v7           | false",
        "linux/arm/v7              | linux/arm/v6           | false",
        "linux/armhf               | linux/arm/v7           | true",
        "linux/armhf               | linux/arm              | true",
        "linux/armhf               | linux/arm/v6           | false",
        "linux/armel               | linux/arm/v6           | true",
        "linux/arm/v6              | linux/armel            | true",
        "linux/arm                 | linux/arm64            | false",
        // 386 and the rest: names normalized, variants compared as written.
        "linux/i386                | linux/386              | true",
        "linux/386                 | linux/i386             | true",
        "linux/ppc64le             | linux/ppc64le          | true",
        "linux/ppc64le/power9      | linux/ppc64le          | false",
        "linux/riscv64             | linux/riscv64/rva20u64 | true",
        "darwin/arm64              | macos/arm64            | true",
        // Attestations and entries without a platform: only ALL takes them.
        "linux/amd64               | unknown/unknown        | false",
        "linux/amd64               | none                   | false",
        // Several platforms: any one of them.
        "linux/amd64,linux/arm64   | linux/arm64            | true",
        "linux/amd64,linux/arm64   | linux/amd64            | true",
        "linux/amd64, linux/arm64  | linux/s390x            | false",
        "linux/amd64,linux/arm/v7  | linux/arm/v6           | false",
        "all                       | none                   | true",
        "all                       | unknown/unknown        | true",
        "all                       | windows/amd64          | true",
      })
  void matches_entryPlatform_followsNormalization(String filter, String entry, boolean expected) {
    assertEquals(expected, PlatformFilter.parse(filter).matches(platform(entry)));
  }

  @Test
  void matches_entryWithoutUsablePlatform_matchesOnlyAll() {
    ObjectNode noOs = JsonNodeFactory.instance.objectNode().put("architecture", "amd64");
    ObjectNode numbers = JsonNodeFactory.instance.objectNode().put("os", 1).put("architecture", 2);
    List<JsonNode> entries =
        List.of(
            MissingNode.getInstance(),
            JsonNodeFactory.instance.nullNode(),
            JsonNodeFactory.instance.textNode("linux/amd64"),
            noOs,
            numbers);
    PlatformFilter amd64 = PlatformFilter.parse("linux/amd64");

    assertFalse(amd64.matches(null));
    assertTrue(PlatformFilter.ALL.matches(null));
    for (JsonNode entry : entries) {
      assertFalse(amd64.matches(entry), entry.toString());
      assertTrue(PlatformFilter.ALL.matches(entry), entry.toString());
    }
  }

  @Test
  void matches_indexEntryPlatform_ignoresOsVersionAndFeatures() throws Exception {
    JsonNode index =
        JSON.readTree(
            """
            {"manifests": [
              {"platform": {"os": "windows", "architecture": "amd64", "os.version": "10.0.17763.1"}},
              {"platform": {"os": "linux", "architecture": "arm", "variant": "v7", "features": []}},
              {"platform": {"os": "unknown", "architecture": "unknown"},
               "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
            ]}
            """);
    PlatformFilter filter = PlatformFilter.parse("windows/amd64,linux/arm/v7");

    assertTrue(filter.matches(index.at("/manifests/0/platform")));
    assertTrue(filter.matches(index.at("/manifests/1/platform")));
    assertFalse(filter.matches(index.at("/manifests/2/platform")));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "linux/amd64                       | linux/amd64",
        "LINUX/AARCH64/8                   | linux/arm64/v8",
        "linux/arm64/v8.0                  | linux/arm64/v8",
        "linux/x86_64,linux/armhf          | linux/amd64,linux/arm/v7",
        "linux/armel                       | linux/arm/v6",
        "linux/i386/whatever               | linux/386",
        "linux/amd64/v1                    | linux/amd64/v1",
        "macos/arm64                       | darwin/arm64",
        "linux/amd64,linux/x86_64,linux/amd64 | linux/amd64",
        "' linux/amd64 , linux/arm64 '     | linux/amd64,linux/arm64",
        "all                               | all",
        "ALL                               | all",
      })
  void toString_givesNormalizedList(String value, String expected) {
    assertEquals(expected, PlatformFilter.parse(value).toString());
  }

  @Test
  void parse_repeatedOption_isOneFilter() {
    PlatformFilter repeated = PlatformFilter.parse(List.of("linux/amd64", "linux/arm64,linux/arm"));

    assertEquals(PlatformFilter.parse("linux/amd64,linux/arm64,linux/arm"), repeated);
    assertEquals("linux/amd64,linux/arm64,linux/arm", repeated.toString());
    assertFalse(repeated.isAll());
  }

  @Test
  void parse_noValues_isAll() {
    assertEquals(PlatformFilter.ALL, PlatformFilter.parse(List.of()));
    assertEquals(PlatformFilter.ALL, PlatformFilter.parse("all"));
    assertTrue(PlatformFilter.ALL.isAll());
    assertEquals("all", PlatformFilter.ALL.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "linux",
        "linux/",
        "/amd64",
        "linux//v7",
        "linux/amd64/",
        "linux/arm64/v8/extra",
        "linux/amd64,",
        ",linux/amd64",
        "linux/amd64,,linux/arm64",
        "linux amd64",
        "linux/amd 64",
        "linux/amd64;linux/arm64",
        "linux\\amd64",
        "unknown/unknown",
        "linux/unknown",
        "all,linux/amd64",
      })
  void parse_malformedValue_namesIt(String value) {
    PrefetchInputException e =
        assertThrows(PrefetchInputException.class, () -> PlatformFilter.parse(value));

    assertTrue(e.getMessage().contains("'" + value + "'"), e.getMessage());
  }

  @Test
  void parse_malformedValueInList_namesPlatformAndValue() {
    PrefetchInputException e =
        assertThrows(
            PrefetchInputException.class,
            () -> PlatformFilter.parse(List.of("linux/amd64", "linux/arm64,Linux")));

    assertEquals(
        "invalid platform 'Linux' in 'linux/arm64,Linux': expected os/arch[/variant], such as"
            + " linux/arm64",
        e.getMessage());
  }

  private static JsonNode platform(String entry) {
    if (entry.equals("none")) {
      return MissingNode.getInstance();
    }
    String[] parts = entry.split("/");
    ObjectNode platform =
        JsonNodeFactory.instance.objectNode().put("os", parts[0]).put("architecture", parts[1]);
    if (parts.length == 3) {
      platform.put("variant", parts[2]);
    }
    return platform;
  }
}
