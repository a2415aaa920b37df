package dev.berth.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BlobRangeTest {
  @Test
  void resolve_eachForm() {
    assertEquals(new BlobRange.Resolved(0, 100, 100), BlobRange.all().resolve(100));
    assertEquals(new BlobRange.Resolved(0, 1, 100), BlobRange.closed(0, 0).resolve(100));
    assertEquals(new BlobRange.Resolved(99, 100, 100), BlobRange.closed(99, 500).resolve(100));
    assertEquals(new BlobRange.Resolved(10, 100, 100), BlobRange.from(10).resolve(100));
    assertEquals(new BlobRange.Resolved(90, 100, 100), BlobRange.suffix(10).resolve(100));
    assertEquals(new BlobRange.Resolved(0, 100, 100), BlobRange.suffix(1000).resolve(100));
  }

  @Test
  void resolve_unsatisfiable_throwsWithSize() {
    var e =
        assertThrows(
            RangeNotSatisfiableException.class, () -> BlobRange.closed(100, 200).resolve(100));
    assertEquals(100, e.blobSize());
    assertThrows(RangeNotSatisfiableException.class, () -> BlobRange.from(100).resolve(100));
    assertThrows(RangeNotSatisfiableException.class, () -> BlobRange.suffix(1).resolve(0));
  }

  @Test
  void construct_malformed_rejected() {
    assertThrows(IllegalArgumentException.class, () -> BlobRange.closed(5, 4));
    assertThrows(IllegalArgumentException.class, () -> BlobRange.closed(-1, 4));
    assertThrows(IllegalArgumentException.class, () -> BlobRange.from(-1));
    assertThrows(IllegalArgumentException.class, () -> BlobRange.suffix(0));
  }
}
