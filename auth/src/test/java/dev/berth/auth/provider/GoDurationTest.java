package dev.berth.auth.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {

  @ParameterizedTest
  @CsvSource({
    "12h, PT12H",
    "5m0s, PT5M",
    "1.5h, PT1H30M",
    "2h45m, PT2H45M",
    "300ms, PT0.3S",
    ".5s, PT0.5S",
    "1.s, PT1S",
    "0, PT0S",
    "+0, PT0S",
    "0s, PT0S",
    "-1h, PT-1H",
    "1us, PT0.000001S",
    "1µs, PT0.000001S",
    "1ns, PT0.000000001S",
    "1h1m1s, PT1H1M1S",
  })
  void parse_goDurations_asGoReadsThem(String text, String expected) {
    assertEquals(Duration.parse(expected), GoDuration.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1", "h", "1x", "-", ".s", "1h-1m", "12 h", "9223372036854775808ns"})
  void parse_notAGoDuration_rejected(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(text));
    assertEquals(true, e.getMessage().startsWith("time: "), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"PT12H, 12h0m0s", "PT5M, 5m0s", "PT1.5S, 1.5s", "PT0S, 0s", "PT0.3S, 300ms"})
  void format_durations_likeGoString(String duration, String expected) {
    assertEquals(expected, GoDuration.format(Duration.parse(duration)));
  }
}
