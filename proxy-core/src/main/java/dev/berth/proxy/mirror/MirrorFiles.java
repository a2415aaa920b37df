package dev.berth.proxy.mirror;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes rendered files under an output directory. A file whose content is already right is left
 * alone (running it twice changes nothing); one that differs is copied to {@code
 * <name>.berth-backup-<UTC time>} first, then replaced atomically (a runtime never reads half a
 * file).
 */
public final class MirrorFiles {
  /**
   * The start of the first line of every file berth writes for containerd and CRI-O: how {@link
   * MirrorRemoval} tells berth's files (and backups) from the node's own.
   */
  public static final String BERTH_HEADER = "# Written by `berth mirror-config";

  /** Between a file's name and its backup's time stamp. */
  static final String BACKUP_INFIX = ".berth-backup-";

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /** What happened to one file. */
  public enum Outcome {
    CREATED,
    REPLACED,
    UNCHANGED
  }

  /**
   * @param backup where the previous content went, for {@link Outcome#REPLACED}
   */
  public record Result(Path path, Outcome outcome, Path backup) {}

  private MirrorFiles() {}

  /** What {@link #write} would do, without writing. */
  public static List<Result> plan(Path outputDir, List<MirrorFile> files, Clock clock)
      throws IOException {
    List<Result> results = new ArrayList<>();
    for (MirrorFile file : files) {
      Path target = outputDir.resolve(file.path());
      Outcome outcome;
      if (!Files.exists(target)) {
        outcome = Outcome.CREATED;
      } else if (Files.readString(target, StandardCharsets.UTF_8).equals(file.content())) {
        outcome = Outcome.UNCHANGED;
      } else {
        outcome = Outcome.REPLACED;
      }
      Path backup = freeBackupName(target, STAMP.format(clock.instant()));
      results.add(new Result(target, outcome, backup));
    }
    return results;
  }

  public static List<Result> write(Path outputDir, List<MirrorFile> files, Clock clock)
      throws IOException {
    List<Result> results = plan(outputDir, files, clock);
    for (int i = 0; i < files.size(); i++) {
      Result r = results.get(i);
      if (r.outcome() == Outcome.UNCHANGED) {
        continue;
      }
      Files.createDirectories(r.path().getParent());
      if (r.outcome() == Outcome.REPLACED) {
        Files.copy(r.path(), r.backup(), StandardCopyOption.COPY_ATTRIBUTES);
      }
      replace(r.path(), files.get(i).content());
    }
    return results;
  }

  /** Writes a sibling, then renames it over {@code target}: a runtime never reads half a file. */
  public static void replace(Path target, String content) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + ".berth-tmp");
    Files.writeString(temp, content, StandardCharsets.UTF_8);
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * {@code <file>.berth-backup-<time>}, or with {@code -1}, {@code -2}, ... when two runs fall in
   * the same second: a backup is never overwritten. The names still sort oldest first.
   */
  private static Path freeBackupName(Path target, String stamp) {
    Path backup = target.resolveSibling(target.getFileName() + BACKUP_INFIX + stamp);
    for (int n = 1; Files.exists(backup); n++) {
      backup = target.resolveSibling(target.getFileName() + BACKUP_INFIX + stamp + "-" + n);
    }
    return backup;
  }
}
