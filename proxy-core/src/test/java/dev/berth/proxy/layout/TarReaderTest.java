package dev.berth.proxy.layout;

import static dev.berth.proxy.layout.LayoutTestSupport.assumeTar;
import static dev.berth.proxy.layout.LayoutTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarReaderTest {
  private static final String HEX = "c".repeat(64);

  @TempDir Path temp;

  @Test
  void systemTar_dotSlashNamesAndDirectories_areNormalized() throws Exception {
    assumeTar();
    Path dir = Files.createDirectories(temp.resolve("layout/blobs/sha256")).getParent().getParent();
    Files.writeString(dir.resolve("oci-layout"), "layout");
    Files.writeString(dir.resolve("index.json"), "index");
    Files.writeString(dir.resolve("blobs/sha256/" + HEX), "blob");
    Path archive = temp.resolve("a.tar");
    run(temp, "tar", "-cf", archive.toString(), "-C", dir.toString(), ".");
    assertTrue(run(temp, "tar", "-tf", archive.toString()).contains("./blobs/"));

    try (TarReader reader = TarReader.open(archive)) {
      assertEquals(
          Set.of("oci-layout", "index.json", "blobs/sha256/" + HEX), reader.entries().keySet());
      assertEquals("blob", read(reader, "./blobs/sha256/" + HEX));
      assertEquals("index", read(reader, "index.json"));
      assertEquals("layout", read(reader, "oci-layout"));
    }
  }

  @Test
  void systemTar_paxAndGnuLongNames() throws Exception {
    assumeTar();
    String longName = "deep/" + "n".repeat(150);
    Path src = Files.createDirectories(temp.resolve("src/deep"));
    Files.writeString(src.resolve("n".repeat(150)), "long");
    for (String format : new String[] {"pax", "gnu"}) {
      Path archive = temp.resolve(format + ".tar");
      run(temp, "tar", "--format=" + format, "-cf", archive.toString(), "-C", "src", longName);
      try (TarReader reader = TarReader.open(archive)) {
        assertEquals(Set.of(longName), reader.entries().keySet(), format);
        assertEquals("long", read(reader, longName), format);
      }
    }
  }

  @Test
  void paxSizeAndPath_applyToTheNextEntryOnly() throws IOException {
    Path archive =
        archive(
            pax("path=blobs/renamed\n", "size=5\n"),
            header("ignored", TarFormat.REGULAR, 0, ""),
            padded("hello".getBytes(StandardCharsets.US_ASCII)),
            header("plain", TarFormat.REGULAR, 2, ""),
            padded("ok".getBytes(StandardCharsets.US_ASCII)));
    try (TarReader reader = TarReader.open(archive)) {
      assertEquals(Set.of("blobs/renamed", "plain"), reader.entries().keySet());
      assertEquals("hello", read(reader, "blobs/renamed"));
      assertEquals("ok", read(reader, "plain"));
    }
  }

  @Test
  void gnuLongName_andGlobalPaxHeader() throws IOException {
    byte[] name = ("blobs/" + "g".repeat(120) + "\0").getBytes(StandardCharsets.US_ASCII);
    Path archive =
        archive(
            header("pax_global_header", TarFormat.PAX_GLOBAL, 0, ""),
            header("././@LongLink", TarFormat.GNU_LONG_NAME, name.length, ""),
            padded(name),
            header("truncated", TarFormat.REGULAR, 1, ""),
            padded(new byte[] {'x'}));
    try (TarReader reader = TarReader.open(archive)) {
      assertEquals(Set.of("blobs/" + "g".repeat(120)), reader.entries().keySet());
    }
  }

  @Test
  void streams_sequentialAndInterleaved() throws IOException {
    Path archive = temp.resolve("w.tar");
    try (TarWriter tar = new TarWriter(Files.newOutputStream(archive))) {
      tar.file("a", "alpha".getBytes(StandardCharsets.US_ASCII));
      tar.file("b", "bravo".getBytes(StandardCharsets.US_ASCII));
    }
    try (TarReader reader = TarReader.open(archive)) {
      assertEquals("alpha", read(reader, "a"));
      assertEquals("bravo", read(reader, "b"));
      try (InputStream a = reader.open("a");
          InputStream b = reader.open("b")) {
        assertEquals('a', a.read());
        assertEquals('b', b.read());
        assertEquals("lpha", new String(a.readAllBytes(), StandardCharsets.US_ASCII));
        assertEquals(-1, a.read());
        assertEquals(2, b.skip(2));
        assertEquals("vo", new String(b.readAllBytes(), StandardCharsets.US_ASCII));
      }
      LayoutException e = assertThrows(LayoutException.class, () -> reader.open("c"));
      assertTrue(e.getMessage().contains("c"), e.getMessage());
    }
  }

  @Test
  void unsafeNames_areRefusedNamingTheEntry() throws IOException {
    for (String name : new String[] {"../evil", "/etc/passwd", "./blobs/../../x"}) {
      Path archive = archive(header(name, TarFormat.REGULAR, 0, ""));
      LayoutException e = assertThrows(LayoutException.class, () -> TarReader.open(archive));
      assertTrue(e.getMessage().contains(name), e.getMessage());
      assertTrue(e.getMessage().contains("unsafe name"), e.getMessage());
    }
  }

  @Test
  void links_atOrIntoTheLayout_areRefused() throws IOException {
    Object[][] cases = {
      {"blobs/sha256/" + HEX, TarFormat.SYMLINK, "../../../etc/passwd"},
      {"index.json", TarFormat.SYMLINK, "other.json"},
      {"legacy/layer.tar", TarFormat.SYMLINK, "../blobs/sha256/" + HEX},
      {"copy", TarFormat.HARD_LINK, "blobs/sha256/" + HEX},
      {"abs", TarFormat.SYMLINK, "/blobs/sha256/" + HEX},
    };
    for (Object[] c : cases) {
      Path archive = archive(header((String) c[0], (char) c[1], 0, (String) c[2]));
      LayoutException e = assertThrows(LayoutException.class, () -> TarReader.open(archive));
      assertTrue(e.getMessage().contains((String) c[0]), e.getMessage());
      assertTrue(e.getMessage().contains("link"), e.getMessage());
    }
  }

  @Test
  void links_elsewhere_areIgnored() throws IOException {
    Path archive =
        archive(
            header("docs/latest", TarFormat.SYMLINK, 0, "v1"),
            header("other", TarFormat.HARD_LINK, 0, "docs/v1"),
            header("fifo", TarFormat.FIFO, 0, ""));
    try (TarReader reader = TarReader.open(archive)) {
      assertTrue(reader.entries().isEmpty());
    }
  }

  @Test
  void systemTar_symlinkInBlobs_isRefused() throws Exception {
    assumeTar();
    Path dir = Files.createDirectories(temp.resolve("l/blobs/sha256"));
    Files.writeString(temp.resolve("l/real"), "x");
    Files.createSymbolicLink(dir.resolve(HEX), Path.of("../../real"));
    Path archive = temp.resolve("l.tar");
    run(temp, "tar", "-cf", archive.toString(), "-C", "l", ".");
    LayoutException e = assertThrows(LayoutException.class, () -> TarReader.open(archive));
    assertTrue(e.getMessage().contains("blobs/sha256/" + HEX), e.getMessage());
    assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
  }

  @Test
  void base256Size_isDecodedFromTheHeader() throws IOException {
    // A header announcing 9 GiB, without 9 GiB behind it: the reader must decode the size (and
    // then finds the archive too short), which is all that can be checked without writing it.
    long nineGib = 9L << 30;
    Path archive = archive(header("blobs/huge", TarFormat.REGULAR, nineGib, ""));
    LayoutException e = assertThrows(LayoutException.class, () -> TarReader.open(archive));
    assertTrue(e.getMessage().contains("blobs/huge"), e.getMessage());
    assertTrue(e.getMessage().contains("needs " + nineGib + " bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void truncatedData_namesTheEntry() throws IOException {
    Path archive = temp.resolve("t.tar");
    try (TarWriter tar = new TarWriter(Files.newOutputStream(archive))) {
      tar.file("oci-layout", new byte[10]);
      tar.file("blobs/sha256/" + HEX, 10_000, new LayoutTestSupport.PatternStream(10_000, 3));
    }
    truncate(archive, 1024 + 512 + 5000);
    LayoutException e = assertThrows(LayoutException.class, () -> TarReader.open(archive));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(e.getMessage().contains("blobs/sha256/" + HEX), e.getMessage());
    assertTrue(e.getMessage().contains(archive.toString()), e.getMessage());

    truncate(archive, 1024 + 100);
    e = assertThrows(LayoutException.class, () -> TarReader.open(archive));
    assertTrue(e.getMessage().contains("header at offset 1024 is cut off"), e.getMessage());
  }

  @Test
  void cleanEndWithoutZeroBlocks_isAccepted() throws IOException {
    Path archive = archive(header("a", TarFormat.REGULAR, 1, ""), padded(new byte[] {'a'}));
    truncate(archive, 1024); // drop the end blocks archive() appended
    try (TarReader reader = TarReader.open(archive)) {
      assertEquals(Set.of("a"), reader.entries().keySet());
    }
  }

  @Test
  void notATar_badChecksumOrCompressed_isNamed() throws IOException {
    Path garbage = temp.resolve("garbage.tar");
    Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    Files.write(garbage, new byte[1024], StandardOpenOption.APPEND);
    LayoutException e = assertThrows(LayoutException.class, () -> TarReader.open(garbage));
    assertTrue(e.getMessage().contains("not a tar archive"), e.getMessage());

    Path gz = temp.resolve("a.tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(archive(header("a", TarFormat.REGULAR, 0, ""))));
    }
    e = assertThrows(LayoutException.class, () -> TarReader.open(gz));
    assertTrue(e.getMessage().contains("gzip"), e.getMessage());

    byte[] bytes = Files.readAllBytes(archive(header("a", TarFormat.REGULAR, 0, "")));
    bytes[10] ^= 1; // inside the name of the first header
    Path corrupt = temp.resolve("corrupt.tar");
    Files.write(corrupt, bytes);
    assertThrows(LayoutException.class, () -> TarReader.open(corrupt));
  }

  @Test
  void unknownEntryType_isRefused() throws IOException {
    Path archive = archive(header("blobs/sparse", 'S', 0, ""));
    LayoutException e = assertThrows(LayoutException.class, () -> TarReader.open(archive));
    assertTrue(e.getMessage().contains("blobs/sparse"), e.getMessage());
    assertTrue(e.getMessage().contains("'S'"), e.getMessage());
  }

  private static String read(TarReader reader, String path) throws IOException {
    try (InputStream in = reader.open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static byte[] header(String name, char type, long size, String link) {
    return TarFormat.header("", name, type, type == TarFormat.DIRECTORY ? 0755 : 0644, size, link);
  }

  private static byte[] pax(String... records) {
    StringBuilder body = new StringBuilder();
    for (String record : records) {
      Map<String, String> one =
          Map.of(
              record.substring(0, record.indexOf('=')),
              record.substring(record.indexOf('=') + 1, record.length() - 1));
      body.append(new String(TarFormat.paxRecords(one), StandardCharsets.UTF_8));
    }
    byte[] data = body.toString().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header("PaxHeaders/x", TarFormat.PAX_HEADER, data.length, ""));
    out.writeBytes(padded(data));
    return out.toByteArray();
  }

  private static byte[] padded(byte[] data) {
    byte[] result = new byte[data.length + (int) TarFormat.padding(data.length)];
    System.arraycopy(data, 0, result, 0, data.length);
    return result;
  }

  private Path archive(byte[]... parts) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    out.writeBytes(new byte[1024]);
    Path file = Files.createTempFile(temp, "crafted", ".tar");
    Files.write(file, out.toByteArray());
    return file;
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(size);
    }
    assertFalse(Files.size(file) > size);
  }
}
