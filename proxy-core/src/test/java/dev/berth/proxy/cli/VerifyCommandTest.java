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
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VerifyCommandTest {
  @TempDir Path data;

  private int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = BerthCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void verify_cleanStore_exits0WithSummaryAndProgress() {
    byte[] bytes = new byte[200_000];
    try (RocksStorage storage = RocksStorage.open(data, StorageOptions.defaults())) {
      try (BlobWriter w = storage.blobs().beginWrite(Digest.sha256Of(bytes), bytes.length)) {
        w.append(ByteBuffer.wrap(bytes));
        w.commit();
      }
      storage
          .manifests()
          .put(Digest.sha256Of(new byte[] {'{', '}'}), "application/json", new byte[] {'{', '}'});
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    assertEquals(0, run(out, err, "verify", "--data", data.toString()));

    assertTrue(
        out.toString().contains("verified 1 blobs (195.3 KiB) and 1 manifests"), out.toString());
    assertTrue(out.toString().contains("all good"), out.toString());
    assertTrue(err.toString().contains("100%"), err.toString());
  }

  @Test
  void verify_storeInUse_failsNamingThePath() {
    try (RocksStorage storage = RocksStorage.open(data, StorageOptions.defaults())) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      assertEquals(1, run(out, err, "verify", "--data", data.toString()));
      assertTrue(err.toString().contains(data.toString()), err.toString());
      assertTrue(err.toString().contains("stop it first"), err.toString());
    }
  }

  @Test
  void verify_help_teaches() {
    StringWriter out = new StringWriter();
    assertEquals(0, run(out, new StringWriter(), "verify", "--help"));
    assertTrue(out.toString().contains("Re-hashes every blob"), out.toString());
    assertTrue(out.toString().contains("--data"), out.toString());
  }
}
