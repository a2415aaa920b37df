package dev.berth.storage.rocksdb;

import dev.berth.storage.Digest;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory of blobs stored one file each ({@code blob-files/} in the data directory): large
 * blobs, which a warm GET then sends with {@code sendfile} instead of copying every byte through
 * RocksDB's read buffers (README, "Storage layout").
 *
 * <p>A file is named by digest and writer generation, like a blob's chunk keys: racing writers of
 * one digest never share a file, the winner's record names its generation, and a loser deletes its
 * own. A file is written in place (no rename): it is synced before the commit record that makes it
 * visible, and the {@code uploads} record synced before its first byte says whose it is until then.
 * Files are created {@code 0600}: they hold private images of many tenants.
 */
final class BlobFiles {
  private static final Logger log = LoggerFactory.getLogger(BlobFiles.class);
  static final String DIRECTORY = "blob-files";
  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(
          EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private final Path dir;

  /**
   * Where blob file writes run while their writer hashes the next bytes: at most one write per
   * writer is in flight, so the pool grows only with the downloads at once. Daemon threads: a write
   * in flight never holds the JVM open.
   */
  private static final ExecutorService IO =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "berth-blob-file-io");
            t.setDaemon(true);
            return t;
          });

  /**
   * The size of the last blob a full disk refused, until a probe finds room for it again: a disk
   * that took a small probe file may still refuse the next large blob.
   */
  private volatile long refusedBytes;

  /** The directory under {@code dataDir}; created unless {@code readOnly}. */
  BlobFiles(Path dataDir, boolean readOnly) {
    this.dir = dataDir.resolve(DIRECTORY);
    if (!readOnly) {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw translate("creating " + dir, e);
      }
    }
  }

  /** The threads blob file writes run on. */
  Executor io() {
    return IO;
  }

  Path path(Digest digest, long generation) {
    return dir.resolve(
        digest.algorithm().wireName()
            + "-"
            + digest.hex()
            + "-"
            + Long.toHexString(generation)); // unsigned: a generation is any long
  }

  /**
   * Creates the file of a new write; it must not exist (a generation is never reused). It is opened
   * for direct I/O ({@code O_DIRECT}) where the file system allows it: the write then goes from the
   * writer's aligned buffer to the disk without filling the page cache with a layer the runtime has
   * just unpacked, and without the kernel's cost of a fresh page cache page per 4 KiB (measured in
   * benchmarks/RESULTS.md: 256 MiB in 0.2 s against 1.3-3 s of system time buffered on this
   * project's VMs). On a file system that refuses direct I/O it is a plain buffered file.
   */
  FileChannel create(Digest digest, long generation, long expectedSize) {
    Path path = path(digest, generation);
    try {
      if (directIo) {
        try {
          return open(path, DIRECT_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
          if (e instanceof IOException io
              && (e instanceof FileAlreadyExistsException
                  || !String.valueOf(io.getMessage()).contains("Invalid"))) {
            throw io;
          }
          directIo = false; // this file system refuses O_DIRECT (EINVAL): buffered from now on
          log.info(
              "{} takes no direct I/O, blob files are written buffered: {}", dir, e.toString());
          Files.deleteIfExists(path);
        }
      }
      return open(path, BUFFERED_WRITE);
    } catch (FileAlreadyExistsException e) {
      throw new StorageException("blob file " + path + " exists already", e);
    } catch (IOException e) {
      throw failed("creating the file of " + digest, e, expectedSize);
    }
  }

  private static final Set<OpenOption> BUFFERED_WRITE =
      Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  private static final Set<OpenOption> DIRECT_WRITE =
      Set.of(
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE,
          com.sun.nio.file.ExtendedOpenOption.DIRECT);

  /**
   * Alignment of direct I/O: buffer addresses, file offsets and lengths are multiples of it. 4 KiB
   * covers devices with 512-byte and 4 KiB logical blocks.
   */
  static final int ALIGNMENT = 4096;

  private volatile boolean directIo = !Boolean.getBoolean("berth.storage.buffered-blob-files");

  /** Whether new files are opened for direct I/O (until a file system refuses it). */
  boolean directIo() {
    return directIo;
  }

  private static FileChannel open(Path path, Set<OpenOption> options) throws IOException {
    return POSIX ? FileChannel.open(path, options, OWNER_ONLY) : FileChannel.open(path, options);
  }

  /**
   * A write's failure as {@link #translate} types it; a full disk also remembers {@code needed}
   * (the blob's size, or what it had reached) for {@link #probe}.
   */
  StorageException failed(String action, IOException e, long needed) {
    StorageException failure = translate(action, e);
    if (failure instanceof DiskFullException) {
      refusedBytes = Math.max(needed, 1);
    }
    return failure;
  }

  /**
   * Opens a stored file for reading.
   *
   * @throws java.nio.file.NoSuchFileException when there is none
   */
  FileChannel open(Digest digest, long generation) throws IOException {
    return FileChannel.open(path(digest, generation), StandardOpenOption.READ);
  }

  /**
   * Makes the directory's entries durable: a synced file whose name a crash lost would leave a
   * commit record without its bytes.
   */
  void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      throw translate("syncing " + dir, e);
    }
  }

  /** Deletes a file if it exists; a failure is logged (the next open deletes it as an orphan). */
  void delete(Digest digest, long generation) {
    Path path = path(digest, generation);
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("cannot delete blob file {}, deleted at next start: {}", path, e.toString());
    }
  }

  /**
   * Calls {@code action} with the digest and generation of every file; names that are no blob
   * file's are logged and left alone.
   */
  void forEach(BiConsumer<Digest, Long> action) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        if (name.startsWith(".")) {
          continue; // the write probe
        }
        int first = name.indexOf('-');
        int last = name.lastIndexOf('-');
        try {
          if (first < 0 || last <= first) {
            throw new IllegalArgumentException("no digest and generation in the name");
          }
          Digest digest =
              Digest.parse(name.substring(0, first) + ":" + name.substring(first + 1, last));
          action.accept(digest, Long.parseUnsignedLong(name.substring(last + 1), 16));
        } catch (IllegalArgumentException e) { // an invalid digest or generation
          log.warn("ignoring {} in {}: not a blob file ({})", name, dir, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw translate("listing " + dir, e);
    }
  }

  /** Bytes of all files, as stored; for tests. */
  long totalBytes() {
    long[] total = {0};
    forEach(
        (digest, generation) -> {
          try {
            total[0] += Files.size(path(digest, generation));
          } catch (IOException e) {
            // deleted meanwhile
          }
        });
    return total[0];
  }

  /** Number of files; for tests. */
  long count() {
    long[] n = {0};
    forEach((digest, generation) -> n[0]++);
    return n[0];
  }

  /**
   * Whether a blob file can be written now (a full disk refuses them while RocksDB's own small
   * writes may still fit): after a full disk refused a blob, there must be room for it again; then
   * a small probe file is written, synced and deleted.
   *
   * @return null when it worked, else why not
   */
  @Nullable String probe() {
    long refused = refusedBytes;
    if (refused > 0) {
      try {
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (usable < refused) {
          return usable
              + " bytes free in "
              + dir
              + ", less than the "
              + refused
              + " bytes of the last blob a full disk refused";
        }
      } catch (IOException e) {
        return "reading the free space of " + dir + ": " + e;
      }
    }
    String problem = writeProbe();
    if (problem == null) {
      refusedBytes = 0;
    }
    return problem;
  }

  private @Nullable String writeProbe() {
    Path probe = dir.resolve(".write-probe");
    try (FileChannel c =
        FileChannel.open(
            probe,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      c.write(ByteBuffer.allocate(4096));
      c.force(false);
      return null;
    } catch (IOException e) {
      return "writing a blob file in " + dir + ": " + e;
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException e) {
        // the next probe truncates it
      }
    }
  }

  /**
   * A file operation's failure as the typed exception callers act on: {@code ENOSPC} and a
   * read-only file system are a full disk (downloads continue uncached).
   */
  static StorageException translate(String action, IOException e) {
    String message = String.valueOf(e.getMessage());
    if (RocksErrors.isNoSpace(message)) {
      return new DiskFullException(action + ": disk full or read-only (" + message + ")", e);
    }
    return new StorageException(action + ": " + e, e);
  }
}
