package dev.berth.storage.rocksdb;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The blob file rules again, with the files written buffered: what a file system that refuses
 * direct I/O gets (berth falls back on its own; {@code -Dberth.storage.buffered-blob-files=true}
 * chooses it).
 */
class RocksBufferedFileBlobStoreConformanceTest extends RocksFileBlobStoreConformanceTest {
  private static final String PROPERTY = "berth.storage.buffered-blob-files";

  @BeforeAll
  static void buffered() {
    System.setProperty(PROPERTY, "true");
  }

  @Override
  protected boolean expectDirectIo() {
    return false;
  }

  @AfterAll
  static void direct() {
    System.clearProperty(PROPERTY);
  }
}
