package dev.berth.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.proxy.text.InvalidValueException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
  @ParameterizedTest
  @CsvSource({
    "0.0.0.0:5000, 0.0.0.0, 5000, 0.0.0.0:5000",
    "127.0.0.1:9090, 127.0.0.1, 9090, 127.0.0.1:9090",
    "[::1]:5000, ::1, 5000, [::1]:5000",
    "[::]:0, ::, 0, [::]:0",
    ":5000, 0.0.0.0, 5000, 0.0.0.0:5000",
    "localhost:65535, localhost, 65535, localhost:65535",
    "berth.internal:0, berth.internal, 0, berth.internal:0"
  })
  void parse_validAddress_givesHostAndPort(String text, String host, int port, String written) {
    HostPort address = HostPort.parse(text);

    assertEquals(new HostPort(host, port), address);
    assertEquals(written, address.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "5000",
        "localhost",
        "localhost:",
        "host:port",
        "::1:5000",
        "[::1]",
        "[zz]:1",
        "a_b:1",
        ":-1",
        ":65536",
        "0.0.0.0:123456"
      })
  void parse_invalidAddress_namesValue(String text) {
    InvalidValueException e = assertThrows(InvalidValueException.class, () -> HostPort.parse(text));

    assertEquals(text, e.value());
  }
}
