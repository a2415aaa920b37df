package dev.berth.storage.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.berth.storage.DiskFullException;
import dev.berth.storage.StorageException;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

class RocksErrorsTest {

  @Test
  void noSpaceAndReadOnlyFilesystemsAreDiskFull() {
    for (String message :
        new String[] {
          "While appending to file: /d/000004.log: No space left on device",
          "While open a file for appending: /d/000009.log: Read-only file system"
        }) {
      RocksDBException e =
          new RocksDBException(
              message, new Status(Status.Code.IOError, Status.SubCode.None, message));
      StorageException translated = RocksErrors.translate("writing chunk 0 of x", e);
      assertInstanceOf(DiskFullException.class, translated, message);
      assertEquals(
          "writing chunk 0 of x: disk full or read-only (" + message + ")",
          translated.getMessage());
    }
  }

  @Test
  void theNoSpaceSubcodeIsDiskFullWhateverTheText() {
    RocksDBException e =
        new RocksDBException(
            "IO error", new Status(Status.Code.IOError, Status.SubCode.NoSpace, ""));
    assertInstanceOf(DiskFullException.class, RocksErrors.translate("committing x", e));
  }

  @Test
  void otherErrorsStayPlainStorageErrors() {
    RocksDBException e =
        new RocksDBException(
            "Corruption: block checksum mismatch",
            new Status(Status.Code.Corruption, Status.SubCode.None, ""));
    StorageException translated = RocksErrors.translate("reading chunk 3 of x", e);
    assertEquals(StorageException.class, translated.getClass());
    assertEquals(
        "reading chunk 3 of x: Corruption: block checksum mismatch", translated.getMessage());
  }
}
