package dev.berth.proxy.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizesTest {
  @ParameterizedTest
  @CsvSource({
    "1024, 1024",
    "0, 0",
    "100B, 100",
    "4KiB, 4096",
    "512MiB, 536870912",
    "1MiB, 1048576",
    "50GiB, 53687091200",
    "2TiB, 2199023255552",
    "10GB, 10000000000",
    "10KB, 10000",
    "1.5GiB, 1610612736",
    "50gib, 53687091200",
    "8 MiB, 8388608"
  })
  void parse_validSize_givesBytes(String text, long expected) {
    assertEquals(expected, ByteSizes.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "lots", "-1", "10XB", "GiB", "1,5GiB", "10 G", "0x10"})
  void parse_invalidSize_namesValueAndForms(String text) {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> ByteSizes.parse(text));

    assertEquals(text, e.value());
    assertTrue(e.getMessage().startsWith("invalid value '" + text + "': expected a size such as"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"9999999PiB", "99999999999999999999"})
  void parse_hugeSize_isRejected(String text) {
    InvalidValueException e =
        assertThrows(InvalidValueException.class, () -> ByteSizes.parse(text));

    assertEquals("invalid value '" + text + "': the size is too large", e.getMessage());
  }
}
