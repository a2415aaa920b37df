package dev.berth.storage.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A tmpfs of a fixed size mounted for one test, to fill a disk for real: RocksDB then sees the same
 * {@code ENOSPC} it would on a full node. Growing it ({@link #resize}) is "space returns"; {@link
 * #remountReadOnly} is a storage path gone read-only.
 *
 * <p>Mounting needs root (CI runs as root). Where mounting is impossible the test is skipped, and
 * says so on stderr and in the skip reason: the issue allows that one skip, even under {@code
 * BERTH_E2E=required}, since no tool install can grant the right to mount.
 */
public final class SizeCappedFilesystem implements AutoCloseable {
  private final Path mountPoint;

  private SizeCappedFilesystem(Path mountPoint) {
    this.mountPoint = mountPoint;
  }

  /** Mounts a tmpfs of {@code megabytes} MiB on a fresh directory under {@code parent}. */
  public static SizeCappedFilesystem mount(Path parent, int megabytes) throws IOException {
    Path dir = Files.createTempDirectory(parent, "capped-fs");
    String failure =
        run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
    if (failure != null) {
      String reason =
          "SKIPPED disk-full test: cannot mount a size-capped tmpfs (needs root): " + failure;
      System.err.println(reason);
      Assumptions.abort(reason);
    }
    return new SizeCappedFilesystem(dir);
  }

  public Path path() {
    return mountPoint;
  }

  /** Changes the size cap in place; the content stays. */
  public void resize(int megabytes) {
    check(run("mount", "-o", "remount,size=" + megabytes + "m", mountPoint.toString()));
  }

  @Override
  public void close() {
    // Lazy: a store a failed test left open must not keep the mount (and its memory) alive.
    run("umount", "-l", mountPoint.toString());
  }

  private static void check(String failure) {
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }

  /** Runs a command; null on success, else its output and exit code. */
  private static String run(String... command) {
    try {
      Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return String.join(" ", command) + " timed out";
      }
      return p.exitValue() == 0
          ? null
          : String.join(" ", command) + " exited " + p.exitValue() + ": " + output;
    } catch (IOException e) {
      return String.join(" ", command) + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
