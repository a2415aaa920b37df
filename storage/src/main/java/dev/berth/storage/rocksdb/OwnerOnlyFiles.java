package dev.berth.storage.rocksdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.RocksDB;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes group and other permissions off the files RocksDB creates in the data directory: they hold
 * private images of many tenants and the access verdict key.
 *
 * <p>RocksDB's POSIX file system opens every file with mode {@code 0644} ({@code GetDBFileMode} in
 * {@code env/fs_posix.cc} returns {@code 0600} only when {@code Env::SetAllowNonOwnerAccess(false)}
 * was called), minus the process umask. rocksdbjni does not expose that setter (its {@code Env} has
 * none), and Java cannot set the umask. So files are restricted after the fact: all of them when
 * the store opens and closes, and the new ones each time a flush or a compaction completes (that is
 * when SST, blob and WAL files appear). Between its creation and the next of these events a file
 * keeps the umask's mode; the data directory itself is {@code 0700}, so no other user can reach it
 * meanwhile. The launcher sets {@code umask 077}, which closes that window.
 */
final class OwnerOnlyFiles extends AbstractEventListener {
  private static final Logger log = LoggerFactory.getLogger(OwnerOnlyFiles.class);
  private static final Set<PosixFilePermission> FILE_MODE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private final Path dir;

  /** Names already restricted: a sweep reads the directory once and stats only new names. */
  private final Set<String> done = new HashSet<>();

  private boolean warned;

  OwnerOnlyFiles(Path dir) {
    super(EnabledEventCallback.ON_FLUSH_COMPLETED, EnabledEventCallback.ON_COMPACTION_COMPLETED);
    this.dir = dir;
  }

  @Override
  public void onFlushCompleted(RocksDB db, FlushJobInfo info) {
    sweep();
  }

  @Override
  public void onCompactionCompleted(RocksDB db, CompactionJobInfo info) {
    sweep();
  }

  /**
   * Restricts every regular file of the directory not restricted before to {@code 0600}. Never
   * throws: it runs on RocksDB's background threads, and a failure must not stop a flush (logged
   * once).
   */
  synchronized void sweep() {
    Set<String> present = new HashSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        present.add(name);
        if (!done.contains(name) && restrict(file)) {
          done.add(name);
        }
      }
      done.retainAll(present); // forget deleted files, so the set stays as small as the directory
    } catch (IOException | RuntimeException e) {
      warnOnce(e);
    }
  }

  /** Whether the file is owner-only now (or gone, or not a regular file). */
  private boolean restrict(Path file) throws IOException {
    try {
      if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        return true;
      }
      if (!Files.getPosixFilePermissions(file).equals(FILE_MODE)) {
        Files.setPosixFilePermissions(file, FILE_MODE);
      }
      return true;
    } catch (NoSuchFileException e) {
      return true; // an obsolete file RocksDB deleted meanwhile
    } catch (UnsupportedOperationException e) {
      warnOnce(e); // no POSIX permissions on this file system: nothing to do, ever
      return true;
    }
  }

  private void warnOnce(Exception e) {
    if (!warned) {
      warned = true;
      log.warn("cannot restrict the files in {} to their owner (0600): {}", dir, e.toString());
    }
  }
}
