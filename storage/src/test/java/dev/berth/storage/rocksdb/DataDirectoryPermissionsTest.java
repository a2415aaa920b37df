package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.testing.TestContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No file RocksDB creates in the data directory is readable by group or others, whatever the umask
 * of the process (the test JVM's is usually 022, under which RocksDB creates files {@code 0644}).
 */
class DataDirectoryPermissionsTest {
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  @TempDir Path parent;

  @Test
  void openWriteCompactClose_everyFileIsOwnerOnly() throws Exception {
    Path dir = parent.resolve("data");
    RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults());
    try {
      for (int i = 0; i < 3; i++) {
        TestContent blob = new TestContent(i, (3L << 20) + i);
        try (BlobWriter w = storage.blobs().beginWrite(blob.digest(), blob.size())) {
          w.append(ByteBuffer.wrap(blob.all()));
          w.commit(); // a flush: new SST and blob files
        }
        byte[] manifest = ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        storage.manifests().put(Digest.sha256Of(manifest), "application/json", manifest);
      }
      storage.compact(); // flushes and rewrites every column family
      assertEquals(List.of(), openToOthers(dir), "files readable beyond the owner while open");
    } finally {
      storage.close();
    }
    assertEquals(List.of(), openToOthers(dir), "files readable beyond the owner after close");
    assertEquals(
        Set.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE),
        Files.getPosixFilePermissions(dir),
        "the directory");
  }

  /** Files under {@code dir} with any group or other permission, with their modes. */
  private static List<String> openToOthers(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> !java.util.Collections.disjoint(permissions(f), GROUP_OR_OTHERS))
          .map(f -> f.getFileName() + " " + permissions(f))
          .sorted()
          .toList();
    }
  }

  private static Set<PosixFilePermission> permissions(Path file) {
    try {
      return Files.getPosixFilePermissions(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
