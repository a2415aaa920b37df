package dev.berth.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.proxy.text.InvalidValueException;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRangeTest {
  @ParameterizedTest
  @CsvSource({
    "10.0.0.7, 10.0.0.7, true",
    "10.0.0.7, 10.0.0.8, false",
    "10.0.0.0/24, 10.0.0.255, true",
    "10.0.0.0/24, 10.0.1.0, false",
    "10.0.0.9/24, 10.0.0.1, true", // host bits are cleared
    "10.0.0.0/23, 10.0.1.7, true",
    "10.0.0.0/23, 10.0.2.7, false",
    "0.0.0.0/0, 192.0.2.1, true",
    "10.0.0.7, ::ffff:10.0.0.7, true", // IPv4-mapped, as a dual-stack listener sees IPv4
    "10.0.0.7, ::1, false",
    "fd00::/64, fd00::2, true",
    "fd00::/64, fd00:0:0:1::2, false",
    "fd00::2, 10.0.0.2, false",
  })
  void contains_cidrRules(String range, String address, boolean expected) throws Exception {
    assertEquals(expected, AddressRange.parse(range).contains(InetAddress.getByName(address)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "node1",
        "10.0.0",
        "10.0.0.1/",
        "10.0.0.1/33",
        "10.0.0.1/-1",
        "fd00::/129",
        "x::1",
        "1.2.3.256",
        "1.2.3.0004",
        "1..3.4"
      })
  void parse_notALiteralBlock_namesTheValue(String text) {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> AddressRange.parse(text));
    assertEquals(true, e.getMessage().contains("'" + text + "'"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.9/24, 10.0.0.0/24",
    "10.0.0.7, 10.0.0.7/32",
    "fd00::2, fd00:0:0:0:0:0:0:2/128"
  })
  void toString_normalizes(String text, String expected) {
    assertEquals(expected, AddressRange.parse(text).toString());
  }
}
