package dev.berth.proxy.layout;

import static dev.berth.proxy.layout.LayoutTestSupport.assumeTar;
import static dev.berth.proxy.layout.LayoutTestSupport.digestOf;
import static dev.berth.proxy.layout.LayoutTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.layout.LayoutTestSupport.PatternStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TarWriterTest {
  private static final String PREFIXED = "d".repeat(90) + "/blobs/sha256/" + "a".repeat(64);
  private static final String PAX_ONLY = "blobs/sha512/" + "b".repeat(128);

  @TempDir Path temp;

  @Test
  void file_shortStream_failsNamingTheEntryAndLeavesNoTrailer() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarWriter tar = new TarWriter(bytes);
    LayoutException e =
        assertThrows(
            LayoutException.class,
            () -> tar.file("blobs/sha256/x", 100, new ByteArrayInputStream(new byte[10])));
    assertTrue(e.getMessage().contains("blobs/sha256/x"), e.getMessage());
    assertTrue(e.getMessage().contains("10 of 100 bytes"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> tar.file("next", new byte[1]));
    tar.close();
    assertEquals(512 + 10, bytes.size()); // no padding, no end blocks: reads as truncated
  }

  @Test
  void file_readsNoFurtherThanSize() throws IOException {
    ByteArrayInputStream content = new ByteArrayInputStream(new byte[20]);
    try (TarWriter tar = new TarWriter(OutputStream.nullOutputStream())) {
      tar.file("a", 12, content);
    }
    assertEquals(8, content.available());
  }

  @Test
  void output_isReproducibleAndBlockAligned() throws IOException {
    byte[] first = sample();
    byte[] second = sample();
    assertArrayEquals(first, second);
    assertEquals(0, first.length % 512);
    byte[] end = Arrays.copyOfRange(first, first.length - 1024, first.length);
    assertArrayEquals(new byte[1024], end);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/abs", "../x", "a/../b", "a//b", "./a", "a/./b", "nul\0"})
  void names_unsafeOrUnnormalized_areRefused(String name) {
    TarWriter tar = new TarWriter(OutputStream.nullOutputStream());
    assertThrows(IllegalArgumentException.class, () -> tar.file(name, new byte[0]));
  }

  @Test
  void systemTar_extractsWhatWasWritten() throws Exception {
    assumeTar();
    long big = 3L * 1024 * 1024 + 17;
    Path archive = temp.resolve("out.tar");
    try (TarWriter tar = new TarWriter(Files.newOutputStream(archive))) {
      tar.directory("blobs");
      tar.file("oci-layout", "{}".getBytes(StandardCharsets.UTF_8));
      tar.file("blobs/big", big, new PatternStream(big, 7));
      tar.file(PREFIXED, "prefix".getBytes(StandardCharsets.UTF_8));
      tar.file(PAX_ONLY, "pax".getBytes(StandardCharsets.UTF_8));
    }
    String listing = run(temp, "tar", "--numeric-owner", "-tvf", archive.toString());
    assertTrue(listing.contains("drwxr-xr-x 0/0"), listing);
    assertTrue(listing.contains("-rw-r--r-- 0/0"), listing);
    assertTrue(listing.contains("1970-01-01"), listing);

    Path out = Files.createDirectory(temp.resolve("x"));
    run(out, "tar", "-xf", archive.toString());
    assertEquals("{}", Files.readString(out.resolve("oci-layout")));
    assertEquals(big, Files.size(out.resolve("blobs/big")));
    assertEquals(
        digestOf(new PatternStream(big, 7)),
        digestOf(Files.newInputStream(out.resolve("blobs/big"))));
    assertEquals("prefix", Files.readString(out.resolve(PREFIXED)));
    assertEquals("pax", Files.readString(out.resolve(PAX_ONLY)));
  }

  @Test
  void longNames_readBackThroughTarReader() throws IOException {
    Path archive = temp.resolve("long.tar");
    try (TarWriter tar = new TarWriter(Files.newOutputStream(archive))) {
      tar.file(PREFIXED, "prefix".getBytes(StandardCharsets.UTF_8));
      tar.file(PAX_ONLY, "pax".getBytes(StandardCharsets.UTF_8));
    }
    try (TarReader reader = TarReader.open(archive)) {
      assertEquals(List.of(PREFIXED, PAX_ONLY), List.copyOf(reader.entries().keySet()));
      assertEquals("pax", new String(reader.open(PAX_ONLY).readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static byte[] sample() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(bytes)) {
      tar.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      tar.directory("blobs/");
      tar.file("blobs/data", 1000, new PatternStream(1000, 1));
    }
    return bytes.toByteArray();
  }
}
