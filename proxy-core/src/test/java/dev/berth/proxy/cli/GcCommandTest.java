package dev.berth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.rocksdb.RocksStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code berth gc} on a stopped cache: evicts to the given size, compacts, reports. */
class GcCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = BerthCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private List<Digest> fill(Path data, int blobs, int size) {
    List<Digest> digests = new ArrayList<>();
    try (RocksStorage storage = RocksStorage.open(data, StorageOptions.defaults())) {
      Random random = new Random(1);
      for (int i = 0; i < blobs; i++) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Digest d = Digest.sha256Of(bytes);
        BlobWriter w = storage.blobs().beginWrite(d, size);
        w.append(ByteBuffer.wrap(bytes));
        w.commit();
        digests.add(d);
      }
    }
    return digests;
  }

  /** Held by a server: the message says how to ask it instead, with its admin token file. */
  @Test
  void cacheInUseByAServer_pointsToTheAdminApiWithTheToken() throws Exception {
    Path data = dir.resolve("data");
    try (RocksStorage held = RocksStorage.open(data, StorageOptions.defaults())) {
      assertEquals(1, run("gc", "--data", data.toString()));
    }

    assertTrue(
        err.toString()
            .contains(
                "curl -X POST -H \"Authorization: Bearer $(cat "
                    + data.resolve("admin-token")
                    + ")\" http://127.0.0.1:9090/admin/gc asks it to collect"),
        err.toString());
  }

  @Test
  void evictsToMaxSize_andReportsDiskBeforeAndAfter() {
    Path data = dir.resolve("data");
    fill(data, 8, 1 << 20);

    assertEquals(0, run("gc", "--data", data.toString(), "--max-size", "4MiB"), err.toString());

    assertTrue(
        out.toString().contains("evicted 5 blobs and 0 manifests (5.0 MiB)"), out.toString());
    assertTrue(out.toString().contains("after compaction"), out.toString());
    try (RocksStorage storage = RocksStorage.open(data, StorageOptions.defaults())) {
      assertEquals(3, storage.blobs().count(), "down to 90% of 4 MiB: three 1 MiB blobs");
    }
  }

  @Test
  void defaultCap_isAQuarterOfTheFilesystem_percentOptionAccepted() throws Exception {
    Path data = dir.resolve("data");
    fill(data, 2, 1000);
    long quarter = Files.getFileStore(dir).getTotalSpace() / 4;
    assertEquals(0, run("gc", "--data", data.toString()), err.toString());
    assertTrue(
        out.toString().contains("max-size " + dev.berth.proxy.text.ByteSizes.format(quarter)),
        out.toString());
    assertEquals(0, run("gc", "--data", data.toString(), "--max-size", "10%"), err.toString());
    assertEquals(2, run("gc", "--data", data.toString(), "--max-size", "120%"));
    assertTrue(err.toString().contains("--max-size 120%"), err.toString());
  }

  @Test
  void withoutACap_onlyCollectsAndCompacts() throws Exception {
    Path data = dir.resolve("data");
    fill(data, 2, 1000);
    Path uncapped = Files.writeString(dir.resolve("none.yaml"), "storage:\n  max-size: none\n");
    assertEquals(0, run("gc", "--config", uncapped.toString(), "--data", data.toString()));
    assertTrue(out.toString().contains("storage.max-size is none"), out.toString());
    assertEquals(2, run("gc", "--data", data.toString(), "--max-size", "lots"));
    assertTrue(err.toString().contains("--max-size lots"), err.toString());
    Path config =
        Files.writeString(dir.resolve("c.yaml"), "storage:\n  pins: [nope.example/x:1]\n");
    assertEquals(2, run("gc", "--config", config.toString(), "--data", data.toString()));
    assertTrue(err.toString().contains("storage.pins[0]"), err.toString());
  }
}
