package dev.berth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An upgrade leaves one class-data archive on the node: the current build's. */
class ClassDataArchivesTest {
  @TempDir Path dir;

  @Test
  void deletesEveryOtherBuildsArchive_andNothingElse() throws IOException {
    Path old = Files.writeString(dir.resolve("class-data-0.1.0-aaa.jsa"), "old");
    Path current = Files.writeString(dir.resolve("class-data-0.1.0-bbb.jsa"), "current");
    Path data = Files.createDirectories(dir.resolve("data"));
    Path other = Files.writeString(dir.resolve("admin-token"), "t");

    assertEquals(List.of(old), ClassDataArchives.deleteOthers(current.toString()));

    assertTrue(Files.exists(current) && Files.exists(data) && Files.exists(other));
  }

  @Test
  void notStartedByTheImage_touchesNothing() throws IOException {
    Path archive = Files.writeString(dir.resolve("class-data-x.jsa"), "x");
    assertEquals(List.of(), ClassDataArchives.deleteOthers(null));
    assertTrue(Files.exists(archive));
  }
}
