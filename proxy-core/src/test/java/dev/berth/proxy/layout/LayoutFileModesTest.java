package dev.berth.proxy.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.proxy.image.MediaTypes;
import dev.berth.storage.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code berth export} writes holds cached (possibly private) images: every file is {@code
 * 0600}, whatever the umask (files are created as temporary files, which Java makes owner-only, and
 * renamed into place).
 */
class LayoutFileModesTest {
  @TempDir Path dir;

  @Test
  void directoryLayout_everyFileOwnerOnly() throws IOException {
    Path layout = dir.resolve("layout");
    try (OciLayoutWriter writer = OciLayoutWriter.directory(layout)) {
      writeOneManifest(writer);
    }
    assertEquals(List.of(), notOwnerOnly(layout));
  }

  @Test
  void tarLayout_fileOwnerOnly() throws IOException {
    Path tar = dir.resolve("image.tar");
    try (OciLayoutWriter writer = OciLayoutWriter.tar(tar)) {
      writeOneManifest(writer);
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tar)));
  }

  private static void writeOneManifest(OciLayoutWriter writer) throws IOException {
    byte[] manifest = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.sha256Of(manifest);
    writer.blob(digest, manifest.length, new ByteArrayInputStream(manifest));
    writer.addToIndex(new Descriptor(MediaTypes.OCI_MANIFEST, digest, manifest.length));
  }

  private static List<String> notOwnerOnly(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .map(
              f -> {
                try {
                  return root.relativize(f)
                      + " "
                      + PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .filter(line -> !line.endsWith(" rw-------"))
          .toList();
    }
  }
}
