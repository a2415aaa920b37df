package dev.berth.auth.credential;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The node keyring: docker config files (the kubelet's list, or configured paths) merged into one
 * {@link CredentialKeyring}, re-read when they change.
 *
 * <p><b>Files.</b> They are read in the given order, and the keys of all of them go into one
 * keyring, so the most-specific-first order holds across files. A missing file contributes nothing.
 * (The kubelet itself uses only the first valid {@code config.json} it finds, else the first valid
 * {@code .dockercfg}; merging lets an operator split credentials across files, and with a single
 * file it is the same.) {@link #kubeletDefaultFiles} gives the kubelet's search list.
 *
 * <p><b>Reloading.</b> This class owns no thread: the server calls {@link #reloadIfChanged()} from
 * its own scheduler, every 2 s for instance. Each call stats every file: its real path (all
 * symlinks resolved), size, modification time, file key (inode), and the target of the path itself
 * when it is a symlink. Any difference means the file is read again. The real path is what catches
 * Kubernetes' update of a mounted Secret or ConfigMap: {@code config.json → ..data/ config.json}
 * stays, while {@code ..data} is atomically re-pointed at a new timestamped directory. A file
 * modified less than {@link #RACY_WINDOW} before it was read may still change within the file
 * system's timestamp granularity without any visible difference ("racy git"), so it is read again
 * on the next call too, until it has been stable that long (measured with the injected clock). A
 * new keyring is published only when some file's content actually changed.
 *
 * <p><b>Failures.</b> A file that cannot be read or parsed fails the whole reload: the last good
 * keyring stays in place, the {@link Listener} hears {@code onReloadFailed} for each broken file,
 * and {@link #reloadFailures()} counts the failed reloads. A reload is attempted only when some
 * file's content changed, so a file that stays broken is reported once, not on every call. The next
 * call after the file is fixed publishes again. If the very first load fails, the keyring is empty
 * until a good read. Read errors (permissions, I/O) are retried on every call, and reported again
 * only when the error changes.
 *
 * <p><b>Threads.</b> {@link #current()} is a lock-free volatile read, safe from any thread
 * including event loops. {@link #reloadIfChanged()} does blocking file I/O and is serialized; call
 * it from a worker. Listener callbacks run on the reloading thread, inside the reload; they must be
 * quick and must not call {@link #reloadIfChanged()}.
 */
public final class DockerConfigSource {
  /** A file modified this recently may change again without changing its stat. */
  public static final Duration RACY_WINDOW = Duration.ofSeconds(2);

  /** What a reload did; every message names the file and never holds a secret. */
  public interface Listener {
    /**
     * A new keyring was published.
     *
     * @param keys its number of keys
     */
    void onReloaded(int keys);

    /**
     * A reload failed because of {@code file}; the previous keyring stays.
     *
     * @param message names the file and the key, e.g. {@code /etc/x/config.json:
     *     auths["reg.io"].auth: not valid base64}
     */
    void onReloadFailed(Path file, String message);

    /**
     * {@code file} was read and is usable, but holds something that is ignored (a credential
     * helper, a key the keyring cannot parse). Reported once per version of the file.
     */
    default void onWarning(Path file, String message) {}

    /** A listener that ignores everything. */
    static Listener none() {
      return new Listener() {
        @Override
        public void onReloaded(int keys) {}

        @Override
        public void onReloadFailed(Path file, String message) {}
      };
    }
  }

  /**
   * What a stat shows of a file. Equal fingerprints mean "assume unchanged".
   *
   * @param realPath the path with every symlink resolved; null when the file is missing
   * @param linkTarget the target of the configured path itself when it is a symlink
   * @param fileKey the file system's identity (inode); null where the platform has none
   */
  private record Fingerprint(
      @Nullable Path realPath,
      @Nullable Path linkTarget,
      long size,
      @Nullable FileTime lastModified,
      @Nullable Object fileKey) {
    static final Fingerprint MISSING = new Fingerprint(null, null, -1, null, null);
  }

  /**
   * The last read of one file.
   *
   * @param version what identifies the content: a hash of the bytes, "missing", or the read error
   * @param parsed the parsed file; null when missing or broken
   * @param error the failure message; null when fine
   * @param retry read again on the next call whatever the stat says
   */
  private record FileState(
      Fingerprint fingerprint,
      String version,
      @Nullable DockerConfigFile parsed,
      @Nullable String error,
      boolean retry) {}

  private final List<Path> files;
  private final Clock clock;
  private final Listener listener;
  private final AtomicLong failures = new AtomicLong();
  private final List<@Nullable FileState> states;
  private volatile CredentialKeyring current = CredentialKeyring.empty();
  private volatile @Nullable Instant lastReloaded;

  private DockerConfigSource(List<Path> files, Clock clock, Listener listener) {
    this.files = List.copyOf(files);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.states = new ArrayList<>(Arrays.asList(new FileState[this.files.size()]));
  }

  /**
   * Creates the source and loads the files once (check {@link #reloadFailures()} or the listener to
   * learn whether that worked).
   *
   * @param files in priority order; missing ones are fine
   * @param clock for the racy-modification window and {@link #lastReloaded()}
   */
  public static DockerConfigSource load(List<Path> files, Clock clock, Listener listener) {
    DockerConfigSource source = new DockerConfigSource(files, clock, listener);
    source.reloadIfChanged();
    return source;
  }

  /**
   * The kubelet's search list (docs/protocol.md §3.3, "Node files"): {@code config.json} in the
   * kubelet root directory, the working directory, {@code $HOME/.docker} and {@code /.docker}, then
   * {@code .dockercfg} in the root directory, the working directory, {@code $HOME} and {@code /}.
   *
   * @param rootDir the kubelet's {@code --root-dir}, usually {@code /var/lib/kubelet}
   * @param home {@code $HOME}, when set
   */
  public static List<Path> kubeletDefaultFiles(Path rootDir, Path workingDir, Optional<Path> home) {
    Path root = rootDir.getFileSystem().getPath("/");
    List<Path> paths = new ArrayList<>();
    paths.add(rootDir.resolve("config.json"));
    paths.add(workingDir.resolve("config.json"));
    home.ifPresent(h -> paths.add(h.resolve(".docker").resolve("config.json")));
    paths.add(root.resolve(".docker").resolve("config.json"));
    paths.add(rootDir.resolve(".dockercfg"));
    paths.add(workingDir.resolve(".dockercfg"));
    home.ifPresent(h -> paths.add(h.resolve(".dockercfg")));
    paths.add(root.resolve(".dockercfg"));
    return paths.stream().distinct().toList();
  }

  /** The last good keyring; empty until a load succeeds. Lock-free. */
  public CredentialKeyring current() {
    return current;
  }

  /** The configured files, in order. */
  public List<Path> files() {
    return files;
  }

  /** Failed reloads so far (reloads happen only on a content change, so no double counting). */
  public long reloadFailures() {
    return failures.get();
  }

  /** When the current keyring was published, by the injected clock; empty before the first. */
  public Optional<Instant> lastReloaded() {
    return Optional.ofNullable(lastReloaded);
  }

  /**
   * Stats the files and re-reads those that changed; publishes a new keyring when the content
   * changed and every file is good. Blocking file I/O: call it off the event loop.
   *
   * @return whether a new keyring was published
   */
  public synchronized boolean reloadIfChanged() {
    Instant now = clock.instant();
    List<FileState> next = new ArrayList<>(files.size());
    boolean changed = false;
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      FileState previous = states.get(i);
      FileState state = check(file, previous, now);
      next.add(state);
      boolean fresh = previous == null || !previous.version().equals(state.version());
      changed |= fresh;
      if (fresh && state.parsed() != null) {
        for (String warning : state.parsed().warnings()) {
          listener.onWarning(file, warning);
        }
        readableByOthers(file).ifPresent(mode -> listener.onWarning(file, mode));
      }
    }
    for (int i = 0; i < next.size(); i++) {
      states.set(i, next.get(i));
    }
    if (!changed) {
      return false;
    }
    List<Integer> broken = new ArrayList<>();
    for (int i = 0; i < next.size(); i++) {
      if (next.get(i).error() != null) {
        broken.add(i);
      }
    }
    if (!broken.isEmpty()) {
      failures.incrementAndGet();
      for (int i : broken) {
        listener.onReloadFailed(files.get(i), Objects.requireNonNull(next.get(i).error()));
      }
      return false;
    }
    CredentialKeyring.Builder builder = CredentialKeyring.builder();
    for (FileState state : next) {
      if (state.parsed() != null) {
        builder.addAll(state.parsed());
      }
    }
    CredentialKeyring keyring = builder.build();
    current = keyring;
    lastReloaded = now;
    listener.onReloaded(keyring.keys().size());
    return true;
  }

  /** The state of {@code file} now: reused from {@code previous} when its stat is unchanged. */
  private FileState check(Path file, @Nullable FileState previous, Instant now) {
    Fingerprint fingerprint;
    try {
      fingerprint = fingerprint(file);
    } catch (IOException e) {
      String message = file + ": cannot stat: " + describe(e);
      return new FileState(Fingerprint.MISSING, "error:" + message, null, message, true);
    }
    if (fingerprint.equals(Fingerprint.MISSING)) {
      return new FileState(fingerprint, "missing", null, null, false);
    }
    if (previous != null && !previous.retry() && previous.fingerprint().equals(fingerprint)) {
      return previous;
    }
    boolean racy = isRacy(fingerprint, now);
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readNBytes(DockerConfigFile.MAX_SIZE + 1);
    } catch (NoSuchFileException e) {
      // Deleted between the stat and the read: missing now; the next stat confirms it.
      return new FileState(Fingerprint.MISSING, "missing", null, null, true);
    } catch (IOException e) {
      String message = file + ": cannot read: " + describe(e);
      return new FileState(fingerprint, "error:" + message, null, message, true);
    }
    String version = "sha256:" + sha256(content);
    if (previous != null && previous.version().equals(version)) {
      // Same bytes under a new stat (touched, or re-linked to identical content).
      return new FileState(fingerprint, version, previous.parsed(), previous.error(), racy);
    }
    try {
      if (content.length > DockerConfigFile.MAX_SIZE) {
        throw new DockerConfigException(
            file.toString(),
            "",
            "larger than " + DockerConfigFile.MAX_SIZE + " bytes; not a credential file");
      }
      DockerConfigFile parsed = DockerConfigFile.parse(file.toString(), content);
      return new FileState(fingerprint, version, parsed, null, racy);
    } catch (DockerConfigException e) {
      return new FileState(fingerprint, version, null, e.getMessage(), racy);
    }
  }

  /**
   * A warning when {@code file} is readable by users other than its owner: it holds registry
   * credentials, which every process on the node could then read. The file is used all the same
   * (the kubelet does not check either).
   */
  static Optional<String> readableByOthers(Path file) {
    try {
      java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions =
          Files.getPosixFilePermissions(file);
      if (permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
          || permissions.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)) {
        return Optional.of(
            "readable by other users ("
                + java.nio.file.attribute.PosixFilePermissions.toString(permissions)
                + "); a file of registry credentials should be 0600");
      }
    } catch (IOException | UnsupportedOperationException e) {
      // gone, or no POSIX permissions here: nothing to say
    }
    return Optional.empty();
  }

  private static Fingerprint fingerprint(Path file) throws IOException {
    Path real;
    BasicFileAttributes attributes;
    try {
      real = file.toRealPath();
      attributes = Files.readAttributes(real, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return Fingerprint.MISSING; // absent, or a dangling symlink
    }
    Path linkTarget = null;
    if (Files.isSymbolicLink(file)) {
      try {
        linkTarget = Files.readSymbolicLink(file);
      } catch (NoSuchFileException e) {
        return Fingerprint.MISSING;
      }
    }
    return new Fingerprint(
        real, linkTarget, attributes.size(), attributes.lastModifiedTime(), attributes.fileKey());
  }

  /** Modified within the racy window before {@code now} (or in the future, by clock skew). */
  private static boolean isRacy(Fingerprint fingerprint, Instant now) {
    FileTime modified = fingerprint.lastModified();
    return modified != null && !modified.toInstant().isBefore(now.minus(RACY_WINDOW));
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
