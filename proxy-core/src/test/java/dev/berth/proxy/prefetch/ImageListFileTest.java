package dev.berth.proxy.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageListFileTest {
  @TempDir Path dir;

  @Test
  void read_commentsAndBlankLines_areSkipped() throws IOException {
    Path file = dir.resolve("list.txt");
    Files.writeString(
        file,
        "\uFEFF# images for the edge nodes\n"
            + "nginx:1.27\n"
            + "\n"
            + "   \t\n"
            + "  ghcr.io/example/app:2  # the app itself\n"
            + "\t# indented comment\n"
            + "registry.k8s.io/pause:3.10\t#tab before comment\r\n"
            + "nginx:1.27\n"
            + "quay.io/x/y@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    assertEquals(
        List.of(
            "nginx:1.27",
            "ghcr.io/example/app:2",
            "registry.k8s.io/pause:3.10",
            "nginx:1.27",
            "quay.io/x/y@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        ImageListFile.read(file));
  }

  @Test
  void read_hashInsideWord_isNotAComment() {
    // Left for the reference check to reject, rather than silently shortened to "app".
    assertEquals(List.of("app#2"), read("app#2\n"));
  }

  @Test
  void read_twoWordsOnALine_namesFileAndLine() throws IOException {
    Path file = dir.resolve("list.txt");
    Files.writeString(file, "# header\nnginx\n\nbusybox alpine # two\nredis\n");

    PrefetchInputException e =
        assertThrows(PrefetchInputException.class, () -> ImageListFile.read(file));

    assertEquals(
        file + " line 4: expected one image reference, found 'busybox alpine'", e.getMessage());
  }

  @Test
  void read_emptyInput_givesNothing() {
    assertEquals(List.of(), read(""));
    assertEquals(List.of(), read("# nothing yet\n\n"));
  }

  @Test
  void read_missingFile_namesFile() {
    Path file = dir.resolve("absent.txt");

    PrefetchInputException e =
        assertThrows(PrefetchInputException.class, () -> ImageListFile.read(file));

    assertEquals("cannot read " + file + ": no such file", e.getMessage());
  }

  @Test
  void read_notUtf8_namesSource() {
    PrefetchInputException e =
        assertThrows(
            PrefetchInputException.class,
            () ->
                ImageListFile.read(
                    "stdin", new ByteArrayInputStream(new byte[] {'a', (byte) 0xff, '\n'})));

    assertEquals("cannot read stdin: not UTF-8 text", e.getMessage());
  }

  private static List<String> read(String text) {
    return ImageListFile.read(
        "list.txt", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }
}
