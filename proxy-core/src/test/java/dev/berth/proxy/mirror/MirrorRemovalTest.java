package dev.berth.proxy.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mirror-config --remove} leaves a node's files exactly as they were before berth wrote any:
 * the node's own file back from the oldest backup, files berth created deleted with their
 * directories, every backup gone, and a file someone changed since left alone.
 */
class MirrorRemovalTest {
  @TempDir Path certs;

  private static final String NODE_OWN =
      "server = \"https://registry-1.docker.io\"\n# the node's\n";

  private static MirrorFile hosts(String registry, String endpoint) {
    return new MirrorFile(
        Path.of(registry, "hosts.toml"),
        MirrorFiles.BERTH_HEADER + " --runtime containerd`\n[host.\"" + endpoint + "\"]\n");
  }

  private static Clock at(String instant) {
    return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
  }

  private Map<String, String> tree() throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(certs)) {
      for (Path p : all.toList()) {
        String rel = certs.relativize(p).toString();
        files.put(rel, Files.isDirectory(p) ? "<dir>" : Files.readString(p));
      }
    }
    return files;
  }

  @Test
  void installTwiceThenRemove_givesBackTheNodesFiles() throws IOException {
    Files.createDirectories(certs.resolve("docker.io"));
    Files.writeString(certs.resolve("docker.io/hosts.toml"), NODE_OWN);
    Files.createDirectories(certs.resolve("quay.io"));
    Files.writeString(certs.resolve("quay.io/ca.crt"), "a CA the node keeps\n");
    Map<String, String> before = tree();

    MirrorFiles.write(
        certs,
        List.of(
            hosts("docker.io", "http://a:5000"),
            hosts("quay.io", "http://a:5000"),
            hosts("ghcr.io", "http://a:5000")),
        at("2026-12-01T10:00:00Z"));
    // A second install with another endpoint backs up berth's own file: the newest backup is
    // berth's.
    MirrorFiles.write(
        certs,
        List.of(
            hosts("docker.io", "http://b:5000"),
            hosts("quay.io", "http://b:5000"),
            hosts("ghcr.io", "http://b:5000")),
        at("2026-12-02T10:00:00Z"));
    assertEquals(2, MirrorRemoval.backupsOf(certs.resolve("docker.io/hosts.toml")).size());

    List<MirrorRemoval.Result> results =
        MirrorRemoval.remove(MirrorRemoval.containerdFiles(certs), MirrorRemoval.WRITTEN_BY_BERTH);

    assertEquals(before, tree());
    assertEquals(
        List.of(
            MirrorRemoval.Outcome.RESTORED,
            MirrorRemoval.Outcome.DELETED,
            MirrorRemoval.Outcome.DELETED),
        results.stream().map(MirrorRemoval.Result::outcome).toList());
    assertTrue(Files.isDirectory(certs.resolve("quay.io")), "quay.io keeps the node's CA");
    assertFalse(Files.exists(certs.resolve("ghcr.io")), "berth created ghcr.io/");
  }

  @Test
  void aFileChangedSinceBerthWroteIt_isLeftWithItsBackups() throws IOException {
    Files.createDirectories(certs.resolve("docker.io"));
    Files.writeString(certs.resolve("docker.io/hosts.toml"), NODE_OWN);
    MirrorFiles.write(
        certs, List.of(hosts("docker.io", "http://a:5000")), at("2026-12-01T10:00:00Z"));
    Files.writeString(certs.resolve("docker.io/hosts.toml"), "# an operator's edit\n");
    Map<String, String> edited = tree();

    List<MirrorRemoval.Result> results =
        MirrorRemoval.remove(MirrorRemoval.containerdFiles(certs), MirrorRemoval.WRITTEN_BY_BERTH);

    assertEquals(MirrorRemoval.Outcome.LEFT, results.get(0).outcome());
    assertEquals(edited, tree());
  }

  @Test
  void nothingWritten_nothingToDo() throws IOException {
    assertEquals(
        List.of(),
        MirrorRemoval.remove(MirrorRemoval.containerdFiles(certs.resolve("none")), c -> true));
  }
}
