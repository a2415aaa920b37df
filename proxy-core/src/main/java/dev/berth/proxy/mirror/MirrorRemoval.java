package dev.berth.proxy.mirror;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Puts a node back as it was before {@code berth mirror-config}: every file berth wrote is replaced
 * by the oldest backup that berth did not write (the node's own file), or deleted when there was
 * none; berth's backups go with it. A file someone changed after berth wrote it is left alone, with
 * its backups, and reported: removing it would lose their change.
 *
 * <p>Why the oldest non-berth backup: each run that replaces a file backs it up first, so when
 * berth rewrote its own file (a new endpoint, say) the newest backup is berth's; the node's file is
 * the first one berth ever replaced.
 */
public final class MirrorRemoval {
  /**
   * Whether a file's content is berth's: it starts with {@link
   * MirrorFilesMirrorFiles#BERTH_HEADER}.
   */
  public static final Predicate<String> WRITTEN_BY_BERTH =
      content -> content.startsWith(MirrorFiles.BERTH_HEADER);

  /** What happened to one file. */
  public enum Outcome {
    /** The node's own file, from before berth, is back. */
    RESTORED,
    /** berth created the file; it is gone, and its directory too when that became empty. */
    DELETED,
    /** Not berth's content (changed since berth wrote it): left as it is. */
    LEFT
  }

  /**
   * @param restoredFrom the backup that was put back, for {@link Outcome#RESTORED}
   */
  public record Result(Path path, Outcome outcome, Optional<Path> restoredFrom) {}

  private MirrorRemoval() {}

  /**
   * containerd: every {@code <dir>/<registry>/hosts.toml} berth wrote, whatever upstreams berth's
   * config names today (it may have changed since the files were written).
   */
  public static List<Path> containerdFiles(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (DirectoryStream<Path> hosts = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path host : hosts) {
        Path file = host.resolve("hosts.toml");
        if (Files.isRegularFile(file)) {
          files.add(file);
        }
      }
    }
    files.sort(null);
    return files;
  }

  /**
   * Removes what berth wrote at each of {@code files}.
   *
   * @param isBerths whether a file's content is berth's (for containerd and CRI-O: {@link
   *     MirrorFiles#BERTH_HEADER}); used on the current file and on each backup
   */
  public static List<Result> remove(List<Path> files, Predicate<String> isBerths)
      throws IOException {
    return remove(files, isBerths, true);
  }

  /** What {@link #remove(List, Predicate)} would do, without changing a file. */
  public static List<Result> plan(List<Path> files, Predicate<String> isBerths) throws IOException {
    return remove(files, isBerths, false);
  }

  private static List<Result> remove(List<Path> files, Predicate<String> isBerths, boolean apply)
      throws IOException {
    List<Result> results = new ArrayList<>();
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      if (!isBerths.test(Files.readString(file, StandardCharsets.UTF_8))) {
        results.add(new Result(file, Outcome.LEFT, Optional.empty()));
        continue;
      }
      List<Path> backups = backupsOf(file);
      Optional<Path> original = Optional.empty();
      for (Path backup : backups) {
        if (!isBerths.test(Files.readString(backup, StandardCharsets.UTF_8))) {
          original = Optional.of(backup);
          break;
        }
      }
      if (apply) {
        if (original.isPresent()) {
          MirrorFiles.replace(file, Files.readString(original.get(), StandardCharsets.UTF_8));
        } else {
          Files.delete(file);
        }
        for (Path backup : backups) {
          Files.delete(backup);
        }
        Path parent = file.getParent();
        if (original.isEmpty() && parent != null) {
          deleteIfEmpty(parent);
        }
      }
      results.add(
          new Result(file, original.isPresent() ? Outcome.RESTORED : Outcome.DELETED, original));
    }
    return results;
  }

  /** A file's backups, oldest first (their UTC time stamps sort as text). */
  static List<Path> backupsOf(Path file) throws IOException {
    String prefix = file.getFileName() + MirrorFiles.BACKUP_INFIX;
    try (Stream<Path> siblings = Files.list(file.getParent())) {
      return siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
    }
  }

  private static void deleteIfEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        return;
      }
    }
    Files.delete(dir);
  }
}
