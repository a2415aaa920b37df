package dev.berth.proxy.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the class-data archives of earlier builds. The container image's entrypoint keeps one
 * archive per build ({@code class-data-<build>.jsa}, some tens of MB) in the node's data directory
 * and names the current one in {@code -Dberth.class-data}; without this each upgrade would leave
 * the previous build's archive on the node for good.
 */
final class ClassDataArchives {
  private static final Logger log = LoggerFactory.getLogger(ClassDataArchives.class);

  private ClassDataArchives() {}

  /**
   * @param current the archive in use (the {@code berth.class-data} system property), or null when
   *     berth was not started by the image's entrypoint
   * @return the archives deleted
   */
  static List<Path> deleteOthers(@Nullable String current) {
    List<Path> deleted = new ArrayList<>();
    if (current == null || current.isBlank()) {
      return deleted;
    }
    Path keep = Path.of(current).toAbsolutePath();
    Path dir = keep.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return deleted;
    }
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "class-data-*.jsa")) {
      for (Path archive : old) {
        if (!archive.toAbsolutePath().equals(keep)) {
          Files.deleteIfExists(archive);
          deleted.add(archive);
        }
      }
    } catch (IOException e) {
      // Only disk space is at stake, never correctness: say so and go on.
      log.warn("could not delete old class-data archives in {}: {}", dir, e.toString());
    }
    return deleted;
  }
}
