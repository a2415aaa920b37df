package dev.berth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code berth mirror-config} against golden files (src/test/resources/mirror), plus what makes it
 * safe to run on a node: idempotent, backs up what it replaces, writes nothing on a dry run, and
 * refuses what a runtime could not use.
 */
class MirrorConfigCommandTest {
  @TempDir Path dir;
  private Path config;
  private StringWriter out;
  private StringWriter err;

  @BeforeEach
  void writeConfig() throws IOException {
    config =
        Files.writeString(
            dir.resolve("config.yaml"),
            """
            upstreams:
              - name: docker.io
                url: https://registry-1.docker.io
                default: true
              - name: ghcr.io
                url: https://ghcr.io
              - name: registry.internal:5000
                url: http://registry.internal:5000
            """);
  }

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    CommandLine cli = BerthCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(
        Stream.concat(Stream.of("mirror-config", "--config", config.toString()), Stream.of(args))
            .toArray(String[]::new));
  }

  @Test
  void containerd_onePerUpstreamWithTheRegistryAsFallback_plusDefault() throws IOException {
    Path out = dir.resolve("certs.d");

    assertEquals(0, run("--runtime", "containerd", "--output", out.toString(), "--all-registries"));

    assertGolden("containerd/docker.io/hosts.toml", out.resolve("docker.io/hosts.toml"));
    assertGolden("containerd/ghcr.io/hosts.toml", out.resolve("ghcr.io/hosts.toml"));
    assertGolden(
        "containerd/registry.internal_5000/hosts.toml",
        out.resolve("registry.internal:5000/hosts.toml"));
    assertGolden("containerd/_default/hosts.toml", out.resolve("_default/hosts.toml"));
  }

  @Test
  void crio_pathPrefixedMirrors_andPortRegistriesLeftOutWithAComment() throws IOException {
    Path out = dir.resolve("registries.conf.d");

    assertEquals(0, run("--runtime", "crio", "--output", out.toString()));

    assertGolden("crio/50-berth.conf", out.resolve("50-berth.conf"));
  }

  @Test
  void docker_putsBerthFirstAndKeepsEverythingElse() throws IOException {
    Path out = Files.createDirectories(dir.resolve("docker"));
    Files.writeString(out.resolve("daemon.json"), golden("docker/daemon-before.json"));

    assertEquals(0, run("--runtime", "docker", "--output", out.toString()));

    assertGolden("docker/daemon-after.json", out.resolve("daemon.json"));
  }

  @Test
  void secondRun_changesNothing_andMakesNoBackup() throws IOException {
    Path out = dir.resolve("certs.d");
    assertEquals(0, run("--runtime", "containerd", "--output", out.toString()));
    List<Path> first = files(out);

    assertEquals(0, run("--runtime", "containerd", "--output", out.toString()));

    assertEquals(first, files(out), "no file added, no backup");
    assertTrue(
        this.out.toString().lines().allMatch(l -> l.startsWith("unchanged ")), this.out.toString());
  }

  @Test
  void aDifferentExistingFile_isBackedUpThenReplaced() throws IOException {
    Path hosts = Files.createDirectories(dir.resolve("certs.d/ghcr.io")).resolve("hosts.toml");
    Files.writeString(hosts, "server = \"https://ghcr.io\"\n# the operator's own\n");

    assertEquals(0, run("--runtime", "containerd", "--output", dir.resolve("certs.d").toString()));

    assertGolden("containerd/ghcr.io/hosts.toml", hosts);
    List<Path> backups;
    try (Stream<Path> s = Files.list(hosts.getParent())) {
      backups =
          s.filter(p -> p.getFileName().toString().startsWith("hosts.toml.berth-backup-")).toList();
    }
    assertEquals(1, backups.size(), "one backup");
    assertEquals(
        "server = \"https://ghcr.io\"\n# the operator's own\n", Files.readString(backups.get(0)));
    assertTrue(out.toString().contains("replaced  " + hosts), out.toString());
  }

  @Test
  void dryRun_printsTheFilesAndWritesNothing() {
    Path out = dir.resolve("certs.d");

    assertEquals(0, run("--runtime", "containerd", "--output", out.toString(), "--dry-run"));

    assertFalse(Files.exists(out), "nothing written");
    assertTrue(
        this.out.toString().contains("would create  " + out.resolve("docker.io/hosts.toml")));
    assertTrue(this.out.toString().contains("    server = \"https://registry-1.docker.io\""));
  }

  @Test
  void refusals_nameWhatIsWrong() {
    assertEquals(2, run("--runtime", "rkt", "--output", dir.toString()));
    assertTrue(
        err.toString().contains("--runtime 'rkt': expected containerd, crio or docker"),
        err.toString());

    assertEquals(
        2,
        run(
            "--runtime",
            "containerd",
            "--endpoint",
            "http://node:5000/berth",
            "--output",
            dir.toString()));
    assertTrue(err.toString().contains("no path, query, user or fragment"), err.toString());

    assertEquals(
        2, run("--runtime", "containerd", "--endpoint", "ftp://node", "--output", dir.toString()));
    assertTrue(err.toString().contains("expected http://HOST[:PORT]"), err.toString());

    assertEquals(2, run("--runtime", "crio", "--all-registries", "--output", dir.toString()));
    assertTrue(err.toString().contains("--all-registries is for --runtime containerd only"));
  }

  @Test
  void docker_refusedWhenDockerHubIsNotTheDefaultUpstream() throws IOException {
    Files.writeString(
        config, "upstreams:\n  - name: ghcr.io\n    url: https://ghcr.io\n    default: true\n");

    assertEquals(2, run("--runtime", "docker", "--output", dir.toString()));

    assertTrue(err.toString().contains("default upstream must be docker.io"), err.toString());
    assertFalse(Files.exists(dir.resolve("daemon.json")));
  }

  private static List<Path> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  void underAHostRoot_writesChecksContainerdAndRemoves() throws IOException {
    // As the DaemonSet's init container runs it: the node's / mounted at <host>.
    Path host = dir.resolve("host");
    Path toml = host.resolve("etc/containerd/config.toml");
    Files.createDirectories(toml.getParent());
    Files.writeString(
        toml,
        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
            + "  config_path = \"/etc/containerd/certs.d\"\n");

    assertEquals(0, run("--runtime", "containerd", "--host-root", host.toString()));

    assertTrue(Files.exists(host.resolve("etc/containerd/certs.d/docker.io/hosts.toml")));
    assertTrue(out.toString().contains("containerd reads /etc/containerd/certs.d"), out.toString());
    assertEquals("", err.toString());

    assertEquals(
        0, run("--runtime", "containerd", "--host-root", host.toString(), "--remove", "--dry-run"));
    assertTrue(out.toString().contains("would be deleted"), out.toString());
    assertTrue(
        Files.exists(host.resolve("etc/containerd/certs.d/docker.io/hosts.toml")),
        "a dry run removes nothing");

    assertEquals(0, run("--runtime", "containerd", "--host-root", host.toString(), "--remove"));
    assertTrue(out.toString().contains("deleted"), out.toString());
    try (Stream<Path> left = Files.list(host.resolve("etc/containerd/certs.d"))) {
      assertEquals(List.of(), left.toList());
    }
  }

  @Test
  void containerdNotReadingTheDirectory_isAWarningThatSaysWhatToSet() throws IOException {
    Path host = dir.resolve("host");
    Files.createDirectories(host.resolve("etc/containerd"));
    Files.writeString(host.resolve("etc/containerd/config.toml"), "version = 2\n");

    assertEquals(0, run("--runtime", "containerd", "--host-root", host.toString()));

    assertTrue(
        err.toString().startsWith("WARNING: /etc/containerd/config.toml does not set"),
        err.toString());
    assertTrue(
        err.toString().contains("config_path = \"/etc/containerd/certs.d\""), err.toString());
  }

  @Test
  void docker_removeTakesOnlyBerthOut() throws IOException {
    Path docker = dir.resolve("docker");
    Files.createDirectories(docker);
    Files.writeString(
        docker.resolve("daemon.json"),
        "{\"registry-mirrors\": [\"https://other.example/\"], \"log-driver\": \"journald\"}");
    assertEquals(0, run("--runtime", "docker", "--output", docker.toString()));
    assertTrue(Files.readString(docker.resolve("daemon.json")).contains("127.0.0.1:5000"));

    assertEquals(
        0,
        run("--runtime", "docker", "--output", docker.toString(), "--remove"),
        () -> err.toString());

    String after = Files.readString(docker.resolve("daemon.json"));
    assertFalse(after.contains("127.0.0.1:5000"), after);
    assertTrue(after.contains("https://other.example/") && after.contains("journald"), after);
  }

  private static void assertGolden(String golden, Path actual) throws IOException {
    assertEquals(
        golden(golden), Files.readString(actual, StandardCharsets.UTF_8), actual.toString());
  }

  private static String golden(String name) throws IOException {
    try (InputStream in = MirrorConfigCommandTest.class.getResourceAsStream("/mirror/" + name)) {
      if (in == null) {
        throw new IOException("no golden file " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
