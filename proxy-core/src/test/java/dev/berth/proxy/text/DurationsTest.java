package dev.berth.proxy.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @ParameterizedTest
  @CsvSource({
    "0, PT0S",
    "30s, PT30S",
    "10m, PT10M",
    "24h, PT24H",
    "1h30m, PT1H30M",
    "500ms, PT0.5S",
    "7d, PT168H",
    "1.5h, PT1H30M",
    "2h45m30s, PT2H45M30S",
    "100us, PT0.0001S",
    "100µs, PT0.0001S",
    "15ns, PT0.000000015S",
    "1d12h, PT36H"
  })
  void parse_validDuration_givesDuration(String text, Duration expected) {
    assertEquals(expected, Durations.parse(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "abc", "10", "-5m", "+5m", "5 m", "5M", "m", "1h 30m", "1.h", ".5h", "5y"})
  void parse_invalidDuration_namesValueAndForms(String text) {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> Durations.parse(text));

    assertEquals(text, e.value());
    assertTrue(
        e.getMessage().startsWith("invalid value '" + text + "': expected a duration such as 30s"));
  }

  @Test
  void parsePositive_refusesZero_acceptsTheRest() {
    assertEquals(Duration.ofSeconds(5), Durations.parsePositive("5s"));
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> Durations.parsePositive("0s"));
    assertTrue(
        e.getMessage().contains("expected a duration above zero, such as 5s"), e.getMessage());
  }

  @Test
  void parse_hugeDuration_isRejected() {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> Durations.parse("999999999999999999999d"));

    assertEquals(
        "invalid value '999999999999999999999d': the duration is too long", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"PT0S, 0s", "PT1H30M, 1h30m", "PT0.5S, 500ms", "PT168H, 7d", "PT10M, 10m"})
  void format_duration_givesParseableText(Duration duration, String expected) {
    assertEquals(expected, Durations.format(duration));
    assertEquals(duration, Durations.parse(expected));
  }
}
