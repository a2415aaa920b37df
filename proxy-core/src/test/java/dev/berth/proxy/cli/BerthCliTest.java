package dev.berth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line in-process; {@code ServeCommandIT} runs the real jar. */
class BerthCliTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = BerthCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void help_topLevel_listsServe() {
    assertEquals(0, run("--help"));

    assertTrue(out.toString().contains("Usage: berth"), out.toString());
    assertTrue(out.toString().contains("serve"), out.toString());
    assertTrue(out.toString().contains("--upstream"), out.toString());
  }

  /**
   * picocli formats help text with {@code String.format}: a bare {@code %} makes it print warnings
   * on stderr instead of the text (issue 13, defect 13). Its warnings go to System.err.
   */
  @Test
  void help_everyCommand_formatsWithoutPicocliWarnings() {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      for (String command : BerthCli.commandLine().getSubcommands().keySet()) {
        assertEquals(0, run(command, "--help"), command);
      }
    } finally {
      System.setErr(original);
    }
    String warnings = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertFalse(warnings.contains("picocli WARN"), warnings);
  }

  @Test
  void help_serve_teachesEveryOptionWithExampleAndDefault() {
    assertEquals(0, run("serve", "--help"));

    String help = out.toString();
    for (String expected :
        new String[] {
          "--config=FILE",
          "--listen=HOST:PORT",
          "--admin=HOST:PORT",
          "--data=DIR",
          "--upstream=NAME=URL",
          "Default: 127.0.0.1:5000",
          "Default: 127.0.0.1:9090",
          "Default: ./berth-data",
          "Example: --upstream ghcr.io=https://ghcr.io",
          "--dry-run",
          "--warm-up-run",
          "SIGTERM",
          "/admin/pins",
          "admin-token-file",
          "0600"
        }) {
      assertTrue(help.contains(expected), () -> "'" + expected + "' missing from:\n" + help);
    }
  }

  @Test
  void version_outsideJar_saysDev() {
    assertEquals(0, run("--version"));

    assertEquals("berth dev", out.toString().trim());
  }

  @Test
  void run_noCommand_isUsageError() {
    assertEquals(2, run());

    assertTrue(err.toString().contains("missing command"), err.toString());
  }

  @Test
  void serve_configWithUnknownKey_printsMessageAndExits2() throws IOException {
    Path config = Files.writeString(dir.resolve("config.yaml"), "storage:\n  max-sise: 1GiB\n");

    assertEquals(2, run("serve", "--config", config.toString()));

    assertEquals(
        "berth: "
            + config
            + ": unknown key 'storage.max-sise' (known keys: path, max-size, low-water, chunk-size, min-free, pins)",
        err.toString().trim());
  }

  @Test
  void serve_badOption_printsMessageAndExits2() {
    assertEquals(2, run("serve", "--upstream", "foo"));

    assertTrue(
        err.toString().startsWith("berth: --upstream 'foo': expected NAME=URL"), err.toString());
  }

  @Test
  void serve_unusableDataDir_printsMessageAndExits1() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");

    assertEquals(1, serveOnLoopback(file.toString()));

    assertTrue(err.toString().startsWith("berth: "), err.toString());
    assertTrue(err.toString().contains(file.toString()), err.toString());
    assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
  }

  @Test
  void serve_dryRun_startsStopsAndExits0_leavingTheDataDirectoryUsable() throws IOException {
    Path data = dir.resolve("data");

    assertEquals(0, serveOnLoopback(data.toString(), "--dry-run"));

    assertTrue(Files.isDirectory(data), "the store was created");
    assertEquals("", err.toString());
    // The RocksDB lock was released: a second dry run opens the same directory.
    assertEquals(0, serveOnLoopback(data.toString(), "--dry-run"));
  }

  /**
   * The launcher records its class-data archive over this: a pull through berth of the built-in
   * upstream's image, every byte compared, which leaves the blobs in the store.
   */
  @Test
  void serve_warmUpRun_pullsTheBuiltInImageThroughBerth_andStops() throws IOException {
    Path data = dir.resolve("data");

    assertEquals(0, serveOnLoopback(data.toString(), "--warm-up-run"), err.toString());

    try (dev.berth.storage.Storage storage =
        dev.berth.storage.local.LocalStorage.openReadOnly(
            data, dev.berth.storage.StorageOptions.defaults())) {
      assertEquals(2, storage.blobs().count(), "the layer and the config were cached");
      assertEquals(3, storage.manifests().count(), "the index and both manifests were cached");
    }
  }

  @Test
  void serve_dryRun_stillReportsABadDataDirectory() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");

    assertEquals(1, serveOnLoopback(file.toString(), "--dry-run"));
    assertTrue(err.toString().contains(file.toString()), err.toString());
  }

  /** {@code serve} on ephemeral loopback ports with {@code data} as the data directory. */
  private int serveOnLoopback(String data, String... more) {
    String[] args = {"serve", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--data", data};
    return run(
        java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(more))
            .toArray(String[]::new));
  }
}
