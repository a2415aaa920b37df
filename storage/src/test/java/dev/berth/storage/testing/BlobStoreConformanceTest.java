package dev.berth.storage.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.BlobInfo;
import dev.berth.storage.BlobRange;
import dev.berth.storage.BlobReader;
import dev.berth.storage.BlobStore;
import dev.berth.storage.BlobWriter;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestMismatchException;
import dev.berth.storage.RangeNotSatisfiableException;
import dev.berth.storage.WriteAbortedException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@link BlobStore} contract, written once and run against every implementation. Subclasses
 * provide a fresh store per test, its chunk size (small, so that few bytes cross chunk borders),
 * and a count of stored chunks so the suite can prove that failures leave no garbage.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class BlobStoreConformanceTest {

  /** The store under test, fresh for each test. */
  protected abstract BlobStore store();

  /** The chunk size the store was opened with. */
  protected abstract int chunkSize();

  /** Chunks physically stored, committed or not. */
  protected abstract long storedChunkCount();

  /** The clock the store reads. */
  protected abstract MutableClock clock();

  private final Random random = new Random(42);

  protected BlobInfo writeInPieces(TestContent content) {
    try (BlobWriter writer = store().beginWrite(content.digest(), content.size())) {
      appendInPieces(writer, content, 0, content.size(), 3 * chunkSize() / 2);
      return writer.commit();
    }
  }

  protected void appendInPieces(
      BlobWriter writer, TestContent content, long from, long to, int maxPiece) {
    byte[] piece = new byte[maxPiece];
    long offset = from;
    while (offset < to) {
      int n = (int) Math.min(1 + random.nextInt(maxPiece), to - offset);
      content.fill(offset, piece, 0, n);
      writer.append(ByteBuffer.wrap(piece, 0, n));
      offset += n;
    }
  }

  /**
   * Reads the whole range, alternating {@link BlobReader#read} (a heap buffer per call) and {@link
   * BlobReader#readInto} with one reused direct buffer (the serving path), so that every test
   * covers both and their mix.
   */
  protected static byte[] readAll(BlobReader reader) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer direct = ByteBuffer.allocateDirect(reader.chunkSize());
    boolean useDirect = false;
    try (reader) {
      while (true) {
        ByteBuffer b;
        if (useDirect) {
          if (!reader.readInto(direct)) {
            break;
          }
          b = direct;
        } else {
          b = reader.read();
          if (!b.hasRemaining()) {
            break;
          }
        }
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        out.writeBytes(bytes);
        useDirect = !useDirect;
      }
    }
    return out.toByteArray();
  }

  private long expectedChunks() {
    long[] n = {0};
    store().forEach(info -> n[0] += (info.size() + info.chunkSize() - 1) / info.chunkSize());
    return n[0];
  }

  @Test
  void commit_makesBlobVisibleOnlyAfterwards() {
    TestContent content = new TestContent(1, 3L * chunkSize() + 17);
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    appendInPieces(writer, content, 0, content.size(), chunkSize());
    assertTrue(store().stat(content.digest()).isEmpty(), "visible before commit");
    assertTrue(store().openReader(content.digest(), BlobRange.all()).isEmpty());

    BlobInfo info = writer.commit();

    assertEquals(content.size(), info.size());
    assertEquals(content.digest(), info.digest());
    assertEquals(info.size(), store().stat(content.digest()).orElseThrow().size());
    byte[] read = readAll(store().openReader(content.digest(), BlobRange.all()).orElseThrow());
    assertArrayEquals(content.all(), read);
    assertEquals(content.size(), store().totalBytes());
    assertEquals(1, store().count());
  }

  @Test
  void commit_unknownSize_works() {
    TestContent content = new TestContent(2, 2L * chunkSize());
    try (BlobWriter writer = store().beginWrite(content.digest(), -1)) {
      appendInPieces(writer, content, 0, content.size(), 1000);
      writer.commit();
    }
    assertArrayEquals(
        content.all(),
        readAll(store().openReader(content.digest(), BlobRange.all()).orElseThrow()));
  }

  @Test
  void commit_emptyBlob_isReadable() {
    TestContent empty = new TestContent(3, 0);
    try (BlobWriter writer = store().beginWrite(empty.digest(), 0)) {
      writer.commit();
    }
    assertEquals(0, store().stat(empty.digest()).orElseThrow().size());
    assertEquals(
        0, readAll(store().openReader(empty.digest(), BlobRange.all()).orElseThrow()).length);
    assertThrows(
        RangeNotSatisfiableException.class,
        () -> store().openReader(empty.digest(), BlobRange.suffix(1)));
  }

  @Test
  void commit_digestMismatch_failsAndLeavesNothing() {
    TestContent content = new TestContent(4, 2L * chunkSize() + 5);
    TestContent other = new TestContent(5, content.size());
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    appendInPieces(writer, other, 0, other.size(), chunkSize());

    DigestMismatchException e = assertThrows(DigestMismatchException.class, writer::commit);

    assertTrue(e.getMessage().contains(content.digest().toString()), e.getMessage());
    assertTrue(store().stat(content.digest()).isEmpty());
    assertEquals(0, storedChunkCount(), "chunks of a failed write remain");
    assertEquals(0, store().totalBytes());
  }

  @Test
  void verify_checksWithoutPublishing_thenCommitPublishes() {
    TestContent content = new TestContent(40, 2L * chunkSize() + 9);
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    appendInPieces(writer, content, 0, content.size(), chunkSize());

    writer.verify();
    writer.verify(); // idempotent

    assertTrue(store().stat(content.digest()).isEmpty(), "verify must not publish");
    assertEquals(content.size(), writer.commit().size());
    assertArrayEquals(
        content.all(),
        readAll(store().openReader(content.digest(), BlobRange.all()).orElseThrow()));
  }

  @Test
  void append_afterVerify_isRefused_andTheVerifiedBytesStillCommit() {
    TestContent content = new TestContent(43, chunkSize() + 5L);
    BlobWriter writer = store().beginWrite(content.digest(), -1);
    appendInPieces(writer, content, 0, content.size(), 100);
    writer.verify();

    assertThrows(IllegalStateException.class, () -> writer.append(ByteBuffer.allocate(1)));

    assertEquals(content.size(), writer.commit().size());
    assertArrayEquals(
        content.all(),
        readAll(store().openReader(content.digest(), BlobRange.all()).orElseThrow()));
  }

  @Test
  void verify_digestMismatch_failsAndLeavesNothing() {
    TestContent content = new TestContent(41, chunkSize() + 3);
    TestContent other = new TestContent(42, content.size());
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    appendInPieces(writer, other, 0, other.size(), chunkSize());

    assertThrows(DigestMismatchException.class, writer::verify);

    assertThrows(IllegalStateException.class, writer::commit, "the write is over");
    assertTrue(store().stat(content.digest()).isEmpty());
    assertEquals(0, storedChunkCount(), "chunks of a failed write remain");
  }

  @Test
  void commit_fewerBytesThanDeclared_fails() {
    TestContent content = new TestContent(6, chunkSize() + 10L);
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    appendInPieces(writer, content, 0, content.size() - 1, 100);

    assertThrows(DigestMismatchException.class, writer::commit);
    assertTrue(store().stat(content.digest()).isEmpty());
    assertEquals(0, storedChunkCount());
  }

  @Test
  void append_moreBytesThanDeclared_failsAndAborts() {
    TestContent content = new TestContent(7, chunkSize() + 10L);
    BlobWriter writer = store().beginWrite(content.digest(), content.size() - 1);

    assertThrows(
        DigestMismatchException.class,
        () -> appendInPieces(writer, content, 0, content.size(), chunkSize()));
    assertThrows(IllegalStateException.class, () -> writer.append(ByteBuffer.allocate(1)));
    assertEquals(0, storedChunkCount());
  }

  @Test
  void abort_removesEveryChunk_andIsIdempotent() {
    TestContent content = new TestContent(8, 4L * chunkSize());
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    appendInPieces(writer, content, 0, 3L * chunkSize(), chunkSize());
    // A store may write appended bytes behind the writer (a blob file's I/O thread): wait for them.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (storedChunkCount() < 3 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertTrue(storedChunkCount() >= 3, "appended chunks never reached storage");

    writer.abort(new RuntimeException("client went away"));
    writer.abort(new RuntimeException("again"));
    writer.close();

    assertEquals(0, storedChunkCount());
    assertTrue(store().stat(content.digest()).isEmpty());
    assertThrows(IllegalStateException.class, () -> writer.append(ByteBuffer.allocate(1)));
  }

  @Test
  void close_afterCommit_keepsBlob() {
    TestContent content = new TestContent(9, 100);
    writeInPieces(content);
    assertTrue(store().stat(content.digest()).isPresent());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // name, first, last (-1 = open), suffix (0 = none)
    "first byte,          0,    0,  0",
    "inside one chunk,    5,   20,  0",
    "across a border,   -10,   10,  0",
    "across two borders, -3, 2049,  0",
    "last byte,          -1,   -1,  0",
    "open-ended,         -7,   -9,  0",
    "last clipped,        3, 99999999, 0",
    "suffix,              0,    0,  33",
    "suffix longer than blob, 0, 0, 99999999",
  })
  void openReader_range_returnsExactlyThoseBytes(String name, long first, long last, long suffix) {
    int chunk = chunkSize();
    TestContent content = new TestContent(10, 3L * chunk + 123);
    writeInPieces(content);
    long size = content.size();
    BlobRange range;
    long start;
    long end;
    if (suffix > 0) {
      range = BlobRange.suffix(suffix);
      start = Math.max(0, size - suffix);
      end = size;
    } else if (name.equals("last byte")) {
      range = BlobRange.closed(size - 1, size - 1);
      start = size - 1;
      end = size;
    } else if (name.equals("open-ended")) {
      range = BlobRange.from(chunk - 7);
      start = chunk - 7;
      end = size;
    } else {
      start = first < 0 ? chunk + first : first;
      long lastAbs = name.startsWith("across") ? chunk + last : last;
      if (name.equals("across two borders")) {
        lastAbs = 2L * chunk + 1;
      }
      range = BlobRange.closed(start, lastAbs);
      end = Math.min(lastAbs + 1, size);
    }

    BlobReader reader = store().openReader(content.digest(), range).orElseThrow();

    assertEquals(start, reader.range().start());
    assertEquals(end, reader.range().endExclusive());
    assertArrayEquals(content.bytes(start, (int) (end - start)), readAll(reader));
  }

  @Test
  void openReader_unsatisfiableRange_throwsTyped() {
    TestContent content = new TestContent(11, 1000);
    writeInPieces(content);

    RangeNotSatisfiableException e =
        assertThrows(
            RangeNotSatisfiableException.class,
            () -> store().openReader(content.digest(), BlobRange.from(1000)));
    assertEquals(1000, e.blobSize());
    assertThrows(
        RangeNotSatisfiableException.class,
        () -> store().openReader(content.digest(), BlobRange.closed(5000, 6000)));
  }

  @Test
  void openReader_returnsAtMostOneChunkPerRead() {
    TestContent content = new TestContent(12, 5L * chunkSize());
    writeInPieces(content);
    try (BlobReader reader = store().openReader(content.digest(), BlobRange.all()).orElseThrow()) {
      int reads = 0;
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        assertTrue(b.remaining() <= chunkSize());
        reads++;
      }
      assertEquals(5, reads);
      assertTrue(reader.isDone());
    }
  }

  @Test
  void openReader_missingDigest_isEmpty() {
    assertTrue(store().openReader(new TestContent(13, 10).digest(), BlobRange.all()).isEmpty());
  }

  @Test
  void beginWrite_racingWriters_oneBlobNoGarbage() throws Exception {
    TestContent content = new TestContent(14, 6L * chunkSize() + 99);
    TestContent wrong = new TestContent(15, content.size());
    int writers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<BlobInfo>> results = new ArrayList<>();
    try {
      for (int i = 0; i < writers; i++) {
        TestContent source = i == writers - 1 ? wrong : content;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  try (BlobWriter w = store().beginWrite(content.digest(), content.size())) {
                    appendInPieces(w, source, 0, source.size(), chunkSize() / 3);
                    return w.commit();
                  }
                }));
      }
      start.countDown();
      int committed = 0;
      int mismatched = 0;
      for (Future<BlobInfo> f : results) {
        try {
          assertEquals(content.size(), f.get().size());
          committed++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertTrue(e.getCause() instanceof DigestMismatchException, e.toString());
          mismatched++;
        }
      }
      assertEquals(writers - 1, committed);
      assertEquals(1, mismatched);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, store().count());
    assertEquals(content.size(), store().totalBytes());
    assertEquals(expectedChunks(), storedChunkCount(), "losing writers left chunks behind");
    assertArrayEquals(
        content.all(),
        readAll(store().openReader(content.digest(), BlobRange.all()).orElseThrow()));
  }

  @Test
  void follow_readsGrowingWriteToTheEnd() throws Exception {
    TestContent content = new TestContent(16, 8L * chunkSize() + 1);
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    BlobReader early = writer.follow(BlobRange.all());
    CompletableFuture<byte[]> earlyBytes = CompletableFuture.supplyAsync(() -> readAll(early));

    appendInPieces(writer, content, 0, 3L * chunkSize() + 11, chunkSize() / 2);
    BlobReader late = writer.follow(BlobRange.closed(chunkSize() - 5, 6L * chunkSize()));
    CompletableFuture<byte[]> lateBytes = CompletableFuture.supplyAsync(() -> readAll(late));
    Thread.yield();
    appendInPieces(writer, content, 3L * chunkSize() + 11, content.size(), chunkSize() / 2);
    writer.commit();

    assertArrayEquals(content.all(), earlyBytes.get(30, TimeUnit.SECONDS));
    assertArrayEquals(
        content.bytes(chunkSize() - 5, 5 * chunkSize() + 6), lateBytes.get(30, TimeUnit.SECONDS));
  }

  @Test
  void follow_readableOnlyOnceBytesAreStored() throws Exception {
    TestContent content = new TestContent(17, 3L * chunkSize());
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    BlobReader follower = writer.follow(BlobRange.all());
    CompletableFuture<Void> readable = follower.readable().toCompletableFuture();
    assertFalse(readable.isDone(), "readable before any byte was stored");

    appendInPieces(writer, content, 0, chunkSize(), 100);

    readable.get(10, TimeUnit.SECONDS);
    ByteBuffer first = follower.read();
    assertEquals(chunkSize(), first.remaining());
    assertTrue(content.matches(0, first));
    writer.abort(new RuntimeException("test"));
  }

  @Test
  void follow_lastByteHeldUntilVerified_soWrongBytesNeverEndCleanly() throws Exception {
    TestContent content = new TestContent(28, 2L * chunkSize());
    TestContent wrong = new TestContent(29, content.size());
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    BlobReader follower = writer.follow(BlobRange.all());
    appendInPieces(writer, wrong, 0, wrong.size(), 1000); // every chunk stored, not yet committed

    long got = 0;
    while (follower.position() < content.size() - 1) {
      got += follower.read().remaining();
    }
    assertEquals(content.size() - 1, got);
    assertFalse(
        follower.readable().toCompletableFuture().isDone(),
        "the final byte was offered before the digest was checked");

    assertThrows(DigestMismatchException.class, writer::commit);
    assertThrows(WriteAbortedException.class, follower::read);
  }

  @Test
  void follow_lastByteArrivesAfterCommit() throws Exception {
    TestContent content = new TestContent(30, 2L * chunkSize());
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    BlobReader follower = writer.follow(BlobRange.closed(5, content.size() - 1));
    appendInPieces(writer, content, 0, content.size(), 1000);
    CompletableFuture<byte[]> bytes = CompletableFuture.supplyAsync(() -> readAll(follower));
    Thread.sleep(100);
    assertFalse(bytes.isDone());
    writer.commit();
    assertArrayEquals(content.bytes(5, (int) content.size() - 5), bytes.get(10, TimeUnit.SECONDS));
  }

  @Test
  void follow_unknownSizeSuffix_waitsForCommit() throws Exception {
    TestContent content = new TestContent(18, 2L * chunkSize() + 3);
    BlobWriter writer = store().beginWrite(content.digest(), -1);
    BlobReader follower = writer.follow(BlobRange.suffix(10));
    CompletableFuture<byte[]> bytes = CompletableFuture.supplyAsync(() -> readAll(follower));
    appendInPieces(writer, content, 0, content.size(), 777);
    assertFalse(bytes.isDone());
    writer.commit();
    assertArrayEquals(content.bytes(content.size() - 10, 10), bytes.get(10, TimeUnit.SECONDS));
  }

  @Test
  void follow_abortedWrite_failsFollower() throws Exception {
    TestContent content = new TestContent(19, 4L * chunkSize());
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    BlobReader follower = writer.follow(BlobRange.all());
    CompletableFuture<byte[]> bytes = CompletableFuture.supplyAsync(() -> readAll(follower));
    appendInPieces(writer, content, 0, 2L * chunkSize(), 1000);

    writer.abort(new RuntimeException("upstream connection reset"));

    var e =
        assertThrows(
            java.util.concurrent.ExecutionException.class, () -> bytes.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof WriteAbortedException, e.toString());
    assertTrue(e.getCause().getMessage().contains("upstream connection reset"));
  }

  @Test
  void follow_mismatchedWrite_failsFollower() {
    TestContent content = new TestContent(20, 2L * chunkSize());
    TestContent wrong = new TestContent(21, content.size());
    BlobWriter writer = store().beginWrite(content.digest(), content.size());
    BlobReader follower = writer.follow(BlobRange.all());
    appendInPieces(writer, wrong, 0, wrong.size(), 1000);
    assertThrows(DigestMismatchException.class, writer::commit);

    assertThrows(WriteAbortedException.class, () -> readAll(follower));
  }

  @Test
  void delete_removesBlobAndChunks() {
    TestContent a = new TestContent(22, 3L * chunkSize());
    TestContent b = new TestContent(23, 10);
    writeInPieces(a);
    writeInPieces(b);

    assertTrue(store().delete(a.digest()));
    assertFalse(store().delete(a.digest()));

    assertTrue(store().stat(a.digest()).isEmpty());
    assertEquals(1, store().count());
    assertEquals(10, store().totalBytes());
    assertEquals(expectedChunks(), storedChunkCount());
  }

  @Test
  void forEach_listsCommittedBlobs() {
    TestContent a = new TestContent(24, 10);
    TestContent b = new TestContent(25, 20);
    writeInPieces(a);
    writeInPieces(b);
    List<Digest> seen = new ArrayList<>();
    store().forEach(info -> seen.add(info.digest()));
    assertEquals(List.of(a.digest(), b.digest()).stream().sorted().toList(), seen);
  }

  @Test
  void flushAccessTimes_recordsReadsInBatches() {
    TestContent content = new TestContent(26, 10);
    BlobInfo created = writeInPieces(content);
    clock().advance(Duration.ofHours(1));

    readAll(store().openReader(content.digest(), BlobRange.all()).orElseThrow());
    assertEquals(
        created.lastAccess(),
        store().stat(content.digest()).orElseThrow().lastAccess(),
        "a read wrote to disk before the flush");

    store().flushAccessTimes();
    assertEquals(clock().instant(), store().stat(content.digest()).orElseThrow().lastAccess());
  }

  @Test
  void evict_neverUnderAReader_thenOnceTheReaderIsDone() {
    TestContent content = new TestContent(31, 2L * chunkSize());
    writeInPieces(content);
    BlobReader reader = store().openReader(content.digest(), BlobRange.all()).orElseThrow();
    assertEquals(1, store().readers(content.digest()));
    assertEquals(1, store().openReaders());

    assertEquals(BlobStore.Eviction.IN_USE, store().evict(content.digest()));
    assertArrayEquals(content.all(), readAll(reader), "the reader was disturbed");

    assertEquals(0, store().readers(content.digest()));
    assertEquals(0, store().openReaders());
    assertEquals(BlobStore.Eviction.EVICTED, store().evict(content.digest()));
    assertEquals(BlobStore.Eviction.ABSENT, store().evict(content.digest()));
    assertTrue(store().openReader(content.digest(), BlobRange.all()).isEmpty());
    assertEquals(0, store().totalBytes());
  }

  @Test
  void writingBytes_countUnfinishedWrites_untilCommitOrAbort() {
    TestContent kept = new TestContent(32, 3L * chunkSize());
    TestContent dropped = new TestContent(33, 3L * chunkSize());
    BlobWriter keep = store().beginWrite(kept.digest(), kept.size());
    BlobWriter drop = store().beginWrite(dropped.digest(), dropped.size());
    BlobReader follower = keep.follow(BlobRange.all());
    assertEquals(1, store().readers(kept.digest()), "a follower is a reader");
    appendInPieces(keep, kept, 0, 2L * chunkSize(), chunkSize());
    appendInPieces(drop, dropped, 0, 2L * chunkSize(), chunkSize());
    assertEquals(4L * chunkSize(), store().writingBytes());

    drop.abort(new RuntimeException("client went away"));
    assertEquals(2L * chunkSize(), store().writingBytes());
    appendInPieces(keep, kept, 2L * chunkSize(), kept.size(), chunkSize());
    keep.commit();

    assertEquals(0, store().writingBytes());
    assertEquals(kept.size(), store().totalBytes());
    assertArrayEquals(kept.all(), readAll(follower));
    assertEquals(0, store().openReaders());
  }

  @Test
  void follow_afterTheWriteEnded_readsTheBlobOrFails() {
    TestContent content = new TestContent(34, 2L * chunkSize() + 1);
    BlobWriter committed = store().beginWrite(content.digest(), content.size());
    appendInPieces(committed, content, 0, content.size(), chunkSize());
    committed.commit();
    assertArrayEquals(content.all(), readAll(committed.follow(BlobRange.all())));

    TestContent other = new TestContent(35, chunkSize() + 1L);
    BlobWriter aborted = store().beginWrite(other.digest(), other.size());
    appendInPieces(aborted, other, 0, chunkSize(), chunkSize());
    aborted.abort(new RuntimeException("upstream went away"));
    assertThrows(WriteAbortedException.class, () -> readAll(aborted.follow(BlobRange.all())));
    assertEquals(0, store().openReaders());
  }
}
