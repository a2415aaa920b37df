package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.StorageException;
import dev.berth.storage.StorageOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that is writing to the store with SIGKILL, then reopens the store: only
 * committed blobs may be visible, each must re-hash to its digest, and the chunks of unfinished
 * writes must be gone.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RocksStorageCrashTest {
  @TempDir Path dir;

  @Test
  void killMidWrite_reopenShowsOnlyCommittedAndReclaimsChunks() throws Exception {
    Process child = startChild("mid-write", 0);
    List<String> lines = new ArrayList<>();
    try (BufferedReader out = reader(child)) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        lines.add(line);
        if (line.startsWith("MIDWRITE")) {
          break;
        }
      }
      kill(child);
    }
    Digest committed = Digest.parse(word(lines, "COMMITTED"));
    Digest unfinished = Digest.parse(word(lines, "MIDWRITE"));

    try (RocksStorage storage = open()) {
      RocksBlobStore blobs = (RocksBlobStore) storage.blobs();
      assertTrue(storage.blobs().stat(unfinished).isEmpty(), "a partial blob is visible");
      assertTrue(rehashes(storage, committed));
      assertEquals(0, blobs.countUploads(), "unfinished write records remain");
      // The committed blob's 6 chunks; the unfinished write was a blob file.
      assertEquals(6, blobs.countAllChunks(), "the unfinished write's file remains");
    }
  }

  @Test
  void killUnderLoad_repeatedly_everyVisibleBlobVerifies() throws Exception {
    Random random = new Random(7);
    Set<Digest> acknowledged = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < 3; round++) {
      Process child = startChild("load", round * 1_000_000L);
      try (BufferedReader out = reader(child)) {
        long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400 + random.nextInt(900));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.startsWith("COMMITTED ")) {
            acknowledged.add(Digest.parse(line.substring("COMMITTED ".length())));
          }
          if (System.nanoTime() > killAt && !acknowledged.isEmpty()) {
            break;
          }
        }
        kill(child);
      }
      try (RocksStorage storage = open()) {
        RocksBlobStore blobs = (RocksBlobStore) storage.blobs();
        assertEquals(0, blobs.countUploads());
        for (Digest d : acknowledged) {
          assertTrue(storage.blobs().stat(d).isPresent(), "acknowledged commit lost: " + d);
        }
        long[] expectedChunks = {0};
        List<Digest> visible = new ArrayList<>();
        storage
            .blobs()
            .forEach(
                info -> {
                  visible.add(info.digest());
                  boolean inFile = blobs.record(info.digest()).inFile();
                  expectedChunks[0] +=
                      inFile ? 1 : (info.size() + info.chunkSize() - 1) / info.chunkSize();
                });
        for (Digest d : visible) {
          assertTrue(rehashes(storage, d), "visible blob does not verify: " + d);
        }
        assertEquals(expectedChunks[0], blobs.countAllChunks(), "orphan chunks after crash");
      }
    }
    assertTrue(acknowledged.size() >= 3, "the child committed too little: " + acknowledged.size());
  }

  private RocksStorage open() {
    return RocksStorage.open(
        dir,
        new StorageOptions(
            CrashWriterMain.CHUNK,
            Duration.ofHours(1),
            java.time.Clock.systemUTC(),
            CrashWriterMain.INLINE_UP_TO));
  }

  private static boolean rehashes(RocksStorage storage, Digest digest) {
    DigestVerifier verifier = digest.newVerifier();
    try (BlobReader reader = storage.blobs().openReader(digest, BlobRange.all()).orElseThrow()) {
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        verifier.update(b);
      }
    } catch (StorageException e) {
      return false;
    }
    return verifier.verify();
  }

  private Process startChild(String mode, long seed) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx128m",
            "-cp",
            System.getProperty("java.class.path"),
            CrashWriterMain.class.getName(),
            dir.toString(),
            mode,
            Long.toString(seed))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static BufferedReader reader(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  private static void kill(Process child) throws InterruptedException {
    child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
    assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
  }

  private static String word(List<String> lines, String prefix) {
    return lines.stream()
        .filter(l -> l.startsWith(prefix + " "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("child never printed " + prefix + ": " + lines))
        .substring(prefix.length() + 1);
  }
}
