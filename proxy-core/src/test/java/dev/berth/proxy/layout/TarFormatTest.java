package dev.berth.proxy.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TarFormatTest {
  private static final long GIB = 1L << 30;

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 511, 512, 8 * GIB - 1})
  void putSize_belowEightGib_isOctalAndRoundTrips(long size) {
    byte[] header = new byte[512];
    TarFormat.putSize(header, size);
    assertEquals(0, header[TarFormat.SIZE_OFFSET] & 0x80);
    assertEquals(0, header[TarFormat.SIZE_OFFSET + 11]); // NUL-terminated
    assertEquals(size, TarFormat.parseNumeric(header, TarFormat.SIZE_OFFSET, 12));
  }

  @ParameterizedTest
  @ValueSource(longs = {8 * GIB, 8 * GIB + 1, 9 * GIB, 40L * 1024 * GIB, Long.MAX_VALUE})
  void putSize_fromEightGib_isBase256AndRoundTrips(long size) {
    byte[] header = new byte[512];
    TarFormat.putSize(header, size);
    assertEquals(0x80, header[TarFormat.SIZE_OFFSET] & 0xff);
    assertEquals(size, TarFormat.parseNumeric(header, TarFormat.SIZE_OFFSET, 12));
  }

  @Test
  void putBase256_eightGib_isGnuTarsBytes() {
    // GNU tar writes 8 GiB (2^33) as 0x80, zeros, then 02 00 00 00 00 in the last five bytes.
    byte[] header = new byte[512];
    TarFormat.putSize(header, 8 * GIB);
    byte[] expected = {(byte) 0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0};
    byte[] field = new byte[12];
    System.arraycopy(header, TarFormat.SIZE_OFFSET, field, 0, 12);
    assertArrayEquals(expected, field);
  }

  @Test
  void parseNumeric_base256UsesLowBitsOfFirstByte() {
    // Go and GNU keep the first byte's low bits as value bits; 2^88 does not fit a long.
    byte[] field = {(byte) 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assertThrows(IllegalArgumentException.class, () -> TarFormat.parseNumeric(field, 0, 12));
    byte[] small = {(byte) 0x81, 0, 0, 0, 0, 0, 0, 0};
    assertEquals(1L << 56, TarFormat.parseNumeric(small, 0, 8));
  }

  @Test
  void parseNumeric_negativeBase256_isRefused() {
    byte[] field = new byte[12];
    java.util.Arrays.fill(field, (byte) 0xff);
    assertThrows(IllegalArgumentException.class, () -> TarFormat.parseNumeric(field, 0, 12));
  }

  @Test
  void parseNumeric_octalWithSpacesAndNuls() {
    byte[] field = " 0000644 \0".getBytes(StandardCharsets.US_ASCII);
    assertEquals(0644, TarFormat.parseNumeric(field, 0, field.length));
    assertEquals(0, TarFormat.parseNumeric(new byte[8], 0, 8));
    byte[] bad = "00009\0".getBytes(StandardCharsets.US_ASCII);
    assertThrows(IllegalArgumentException.class, () -> TarFormat.parseNumeric(bad, 0, 6));
  }

  @Test
  void header_hasMagicChecksumAndZeroOwnership() {
    byte[] header = TarFormat.header("", "oci-layout", TarFormat.REGULAR, 0644, 30, "");
    assertTrue(TarFormat.checksumMatches(header));
    assertTrue(TarFormat.isPosixUstar(header));
    assertEquals("ustar\0" + "00", new String(header, 257, 8, StandardCharsets.US_ASCII));
    assertEquals(0, TarFormat.parseNumeric(header, TarFormat.MTIME_OFFSET, 12));
    assertEquals(0, TarFormat.parseNumeric(header, TarFormat.UID_OFFSET, 8));
    assertEquals(0644, TarFormat.parseNumeric(header, TarFormat.MODE_OFFSET, 8));
    header[0] ^= 1;
    assertFalse(TarFormat.checksumMatches(header));
  }

  @Test
  void splitName_findsTheLastSlashThatFits() {
    String hex = "a".repeat(64);
    String longDir = "d".repeat(80);
    String path = longDir + "/blobs/sha256/" + hex;
    String[] split = TarFormat.splitName(path);
    assertEquals(longDir + "/blobs/sha256", split[0]);
    assertEquals(hex, split[1]);
    assertArrayEquals(new String[] {"", "short"}, TarFormat.splitName("short"));
    // A sha512 blob: the last component alone is 128 bytes.
    assertNull(TarFormat.splitName("blobs/sha512/" + "b".repeat(128)));
    // No slash within the prefix's 155 bytes.
    assertNull(TarFormat.splitName("x".repeat(160) + "/y"));
  }

  @Test
  void paxRecords_roundTripIncludingLengthDigitCarry() {
    Map<String, String> records = new LinkedHashMap<>();
    records.put("path", "p".repeat(200));
    // " linkpath=" + value + "\n" is 98 bytes: two more digits make 100, which needs three.
    records.put("linkpath", "q".repeat(87));
    byte[] body = TarFormat.paxRecords(records);
    Map<String, String> parsed = new HashMap<>();
    TarFormat.parsePaxRecords(body, parsed);
    assertEquals(records, parsed);
    for (String record : new String(body, StandardCharsets.UTF_8).split("\n")) {
      int length = Integer.parseInt(record.substring(0, record.indexOf(' ')));
      assertEquals(length, record.getBytes(StandardCharsets.UTF_8).length + 1);
    }
  }

  @Test
  void parsePaxRecords_malformed_isRefused() {
    Map<String, String> into = new HashMap<>();
    byte[] bad = "99 path=x\n".getBytes(StandardCharsets.UTF_8);
    assertThrows(IllegalArgumentException.class, () -> TarFormat.parsePaxRecords(bad, into));
  }

  @Test
  void components_dropDotsAndRefuseEscapes() {
    assertEquals(List.of("blobs", "sha256", "x"), TarFormat.components("./blobs//sha256/./x/"));
    assertEquals(List.of(), TarFormat.components("./"));
    assertThrows(IllegalArgumentException.class, () -> TarFormat.components("/etc/passwd"));
    assertThrows(IllegalArgumentException.class, () -> TarFormat.components("blobs/../../x"));
  }
}
