package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.AccessVerdict;
import dev.berth.storage.StorageOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

class RocksVerdictStoreTest {
  @TempDir Path dir;

  @Test
  void verdicts_surviveReopen_perUpstreamRepositoryAndSubject() {
    Instant at = Instant.parse("2026-12-01T10:00:00Z");
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      storage.verdicts().put("reg.io", "team/app", "public", new AccessVerdict(false, at));
      storage.verdicts().put("reg.io", "team/app", "node", new AccessVerdict(true, at));
      storage.verdicts().put("reg.io", "team/app2", "node", new AccessVerdict(false, at));
    }
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      assertEquals(
          new AccessVerdict(false, at),
          storage.verdicts().get("reg.io", "team/app", "public").orElseThrow());
      assertEquals(
          new AccessVerdict(true, at),
          storage.verdicts().get("reg.io", "team/app", "node").orElseThrow());
      assertFalse(storage.verdicts().get("reg.io", "team/app2", "node").orElseThrow().allowed());
      assertTrue(storage.verdicts().get("other.io", "team/app", "node").isEmpty());
      assertTrue(storage.verdicts().get("reg.io", "team/app", "client:x").isEmpty());
    }
  }

  @Test
  void deleteCheckedBefore_removesOnlyOlderVerdicts_andKeepsTheSubjectKey() {
    Instant now = Instant.parse("2026-12-02T10:00:00Z");
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      byte[] key = storage.verdicts().subjectKey();
      storage
          .verdicts()
          .put("reg.io", "old", "public", new AccessVerdict(true, now.minusSeconds(90_000)));
      storage
          .verdicts()
          .put("reg.io", "new", "public", new AccessVerdict(true, now.minusSeconds(60)));
      assertEquals(1, storage.verdicts().deleteCheckedBefore(now.minusSeconds(86_400)));
      assertTrue(storage.verdicts().get("reg.io", "old", "public").isEmpty());
      assertTrue(storage.verdicts().get("reg.io", "new", "public").isPresent());
      assertArrayEquals(key, storage.verdicts().subjectKey());
    }
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      assertTrue(storage.verdicts().get("reg.io", "old", "public").isEmpty());
      assertTrue(storage.verdicts().get("reg.io", "new", "public").isPresent());
    }
  }

  @Test
  void open_dataDirectoryIsOwnerOnly() throws Exception {
    Path data = dir.resolve("fresh");
    try (RocksStorage storage = RocksStorage.open(data, StorageOptions.defaults())) {
      assertEquals(
          "rwx------",
          java.nio.file.attribute.PosixFilePermissions.toString(
              java.nio.file.Files.getPosixFilePermissions(data)));
    }
  }

  @Test
  void subjectKey_isRandomPerCache_andStable() {
    byte[] first;
    try (RocksStorage storage = RocksStorage.open(dir.resolve("a"), StorageOptions.defaults())) {
      first = storage.verdicts().subjectKey();
      assertEquals(32, first.length);
      assertArrayEquals(first, storage.verdicts().subjectKey());
    }
    try (RocksStorage storage = RocksStorage.open(dir.resolve("a"), StorageOptions.defaults())) {
      assertArrayEquals(first, storage.verdicts().subjectKey());
    }
    try (RocksStorage storage = RocksStorage.open(dir.resolve("b"), StorageOptions.defaults())) {
      assertFalse(java.util.Arrays.equals(first, storage.verdicts().subjectKey()));
    }
  }

  /** A cache from before the verdicts column family existed, as an upgrade meets it. */
  @Test
  void openReadOnly_cacheFromAnOlderBerth_readsWithoutVerdictsAndWritesNothing() throws Exception {
    RocksDB.loadLibrary();
    List<ColumnFamilyDescriptor> old = new ArrayList<>();
    old.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
    for (String name :
        List.of(
            "chunks",
            "blobs",
            "uploads",
            "manifests",
            "tags",
            "links",
            "manifest-access",
            "pins")) {
      old.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8)));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions options =
            new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        RocksDB db = RocksDB.open(options, dir.toString(), old, handles)) {
      handles.forEach(ColumnFamilyHandle::close);
    }
    try (RocksStorage storage = RocksStorage.openReadOnly(dir, StorageOptions.defaults())) {
      assertTrue(storage.verdicts().get("reg.io", "a", "public").isEmpty());
    }
    // Nothing was added by reading: the cache is as the older berth left it.
    try (org.rocksdb.Options listing = new org.rocksdb.Options()) {
      assertEquals(9, RocksDB.listColumnFamilies(listing, dir.toString()).size());
    }
    // A read-write open (a server start after the upgrade) adds it.
    try (RocksStorage storage = RocksStorage.open(dir, StorageOptions.defaults())) {
      assertEquals(32, storage.verdicts().subjectKey().length);
    }
  }
}
