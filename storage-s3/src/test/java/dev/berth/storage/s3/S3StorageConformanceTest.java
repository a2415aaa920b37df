package dev.berth.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.Storage;
import dev.berth.storage.memory.MemoryStorage;
import dev.berth.storage.testing.MutableClock;
import dev.berth.storage.testing.StorageConformanceTest;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage contract on a cluster-tier replica's storage: manifests (and blobs) in the bucket,
 * the small stores local (in memory here, RocksDB in berth).
 */
class S3StorageConformanceTest extends StorageConformanceTest {
  @TempDir static Path serverDir;

  private static S3Server server;
  private static int tests;

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private S3Location location;
  private S3Storage storage;
  private MemoryStorage local;

  @BeforeAll
  static void startServer() throws Exception {
    server = new S3Server(serverDir);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void open() {
    location = server.location().withPrefix("storage-" + ++tests + "/");
    local = new MemoryStorage(clock);
    storage = new S3Storage(local, S3Stores.open(location, dir.resolve("spool"), 1 << 20, clock));
  }

  @AfterEach
  void close() {
    storage.close(); // closes the local store too
  }

  @Override
  protected Storage storage() {
    return storage;
  }

  @Override
  protected MutableClock clock() {
    return clock;
  }

  /**
   * A replica that opens the bucket lists the manifests without a HEAD each; their media type is
   * read when one is first asked for, and one another replica deleted meanwhile is gone.
   */
  @Test
  void anotherReplicasManifests_areListedAtOpen_andTheirTypeReadOnFirstUse() {
    byte[] kept = "{\"schemaVersion\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] deleted =
        "{\"schemaVersion\":2,\"x\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String type = "application/vnd.oci.image.manifest.v1+json";
    dev.berth.storage.Digest keptDigest = dev.berth.storage.Digest.sha256Of(kept);
    dev.berth.storage.Digest deletedDigest = dev.berth.storage.Digest.sha256Of(deleted);
    storage.manifests().put(keptDigest, type, kept);
    storage.manifests().put(deletedDigest, type, deleted);

    try (S3Stores other = S3Stores.open(location, dir.resolve("spool2"), 1 << 20, clock)) {
      assertEquals(2, other.manifests().count());
      assertEquals(kept.length + deleted.length, other.manifests().totalBytes());
      storage.manifests().delete(deletedDigest);

      var got = other.manifests().get(keptDigest).orElseThrow();
      assertEquals(type, got.mediaType());
      assertTrue(java.util.Arrays.equals(kept, got.bytes()));
      assertTrue(other.manifests().get(deletedDigest).isEmpty());
      assertEquals(1, other.manifests().count(), "the deleted manifest stays in the index");

      byte[] later =
          "{\"schemaVersion\":2,\"y\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      storage.manifests().put(dev.berth.storage.Digest.sha256Of(later), type, later);
      other.manifests().refresh();
      assertEquals(1, other.manifests().count(), "listed again within RELIST_AFTER");
      clock.advance(BucketListing.RELIST_AFTER);
      other.manifests().refresh();
      assertEquals(
          2, other.manifests().count(), "a manifest another replica stored is not counted");
      List<String> types = new java.util.ArrayList<>();
      other.manifests().forEachInfo(m -> types.add(m.mediaType()));
      assertEquals(List.of(type, type), types, "the inventory shows every media type");
    }
  }

  /**
   * {@code berth verify} on one replica: a blob another replica deleted after the listing is
   * neither damage nor removed again, and the others are checked.
   */
  @Test
  void verify_aBlobAnotherReplicaDeletedMeanwhile_isNoDamage() {
    byte[] kept = new byte[70_000];
    byte[] gone = new byte[80_000];
    new java.util.Random(3).nextBytes(kept);
    new java.util.Random(4).nextBytes(gone);
    for (byte[] b : new byte[][] {kept, gone}) {
      try (var w = storage.blobs().beginWrite(dev.berth.storage.Digest.sha256Of(b), b.length)) {
        w.append(java.nio.ByteBuffer.wrap(b));
        w.commit();
      }
    }
    try (S3Stores other = S3Stores.open(location, dir.resolve("spool2"), 1 << 20, clock)) {
      other.blobs().delete(dev.berth.storage.Digest.sha256Of(gone));
    }

    dev.berth.storage.StoreVerifier.Report report =
        dev.berth.storage.StoreVerifier.verify(
            storage,
            new dev.berth.storage.StoreVerifier.Progress() {
              @Override
              public void started(long blobs, long blobBytes) {}

              @Override
              public void blobChecked(long done, long bytes) {}
            });

    assertFalse(report.problems(), report.removed() + " " + report.unreadable());
    assertEquals(2, report.blobs());
    assertTrue(storage.blobs().stat(dev.berth.storage.Digest.sha256Of(kept)).isPresent());
  }

  @Test
  void createIfAbsent_isConditional_soRacingReplicasNeverOverwrite() {
    try (S3Stores stores = S3Stores.open(location, dir.resolve("spool2"), 1 << 20, clock)) {
      S3Objects objects = new S3Objects(stores.client(), location.bucket());
      byte[] first = {1, 2, 3};
      String key = location.prefix() + "conditional";

      assertTrue(
          objects.createIfAbsent(key, "x", 3, () -> new ByteArrayInputStream(first)), "created");
      assertFalse(
          objects.createIfAbsent(key, "x", 3, () -> new ByteArrayInputStream(new byte[3])),
          "a second create of the same key succeeded: If-None-Match was ignored");
      assertTrue(java.util.Arrays.equals(first, objects.getBytes(key).orElseThrow()));
    }
  }
}
