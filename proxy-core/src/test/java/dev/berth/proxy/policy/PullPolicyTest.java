package dev.berth.proxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.text.InvalidValueException;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PullPolicyTest {
  static Stream<Arguments> validPolicies() {
    return Stream.of(
        Arguments.of("always", PullPolicy.Always.INSTANCE),
        Arguments.of("if-not-present", PullPolicy.IfNotPresent.INSTANCE),
        Arguments.of("never", PullPolicy.Never.INSTANCE),
        Arguments.of("kubernetes", PullPolicy.KubernetesDefault.INSTANCE),
        Arguments.of("ttl:10m", new PullPolicy.Ttl(Duration.ofMinutes(10))),
        Arguments.of("ttl:1h30m", new PullPolicy.Ttl(Duration.ofMinutes(90))),
        Arguments.of("ttl:7d", new PullPolicy.Ttl(Duration.ofDays(7))));
  }

  @ParameterizedTest
  @MethodSource("validPolicies")
  void parse_validForm_givesPolicy(String text, PullPolicy expected) {
    PullPolicy policy = PullPolicy.parse(text);

    assertEquals(expected, policy);
    assertEquals(text, policy.toString(), "toString writes the config form back");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sometimes", "", "Always", "IfNotPresent", "ttl", "ttl10m"})
  void parse_unknownForm_listsAcceptedForms(String text) {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> PullPolicy.parse(text));

    assertEquals(
        "invalid value '"
            + text
            + "': expected always, if-not-present, never, ttl:<duration> or kubernetes",
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ttl:", "ttl:abc", "ttl:-5m", "ttl:10", "ttl: 10m"})
  void parse_badTtl_namesValueAndTtlForm(String text) {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> PullPolicy.parse(text));

    assertEquals(
        "invalid value '"
            + text
            + "': expected ttl:<duration> with a positive duration such as ttl:10m or ttl:1h30m",
        e.getMessage());
  }

  @Test
  void parse_zeroTtl_pointsToAlways() {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> PullPolicy.parse("ttl:0s"));

    assertTrue(e.getMessage().endsWith("(for no caching of tags use always)"), e.getMessage());
  }

  @Test
  void ttl_nonPositiveMaxAge_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> new PullPolicy.Ttl(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new PullPolicy.Ttl(Duration.ofSeconds(-1)));
  }
}
