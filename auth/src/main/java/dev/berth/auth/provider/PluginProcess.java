package dev.berth.auth.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run of a plugin binary: {@code $ ENV=VALUE <binDir>/<name> args... <<<request}, the way
 * {@code execPlugin.ExecPlugin} in {@code pkg/credentialprovider/plugin/plugin.go} runs it, with
 * what the kubelet leaves out: bounded output, and the whole process tree killed at the deadline.
 *
 * <p>stdout is read up to {@link #MAX_STDOUT} bytes (more kills the plugin: a response is a few
 * hundred bytes). stderr is drained and only counted, never kept: plugins print tokens and request
 * dumps there, and the kubelet's habit of logging it is how secrets reach logs. Both pipes are
 * drained on daemon threads of a shared cached pool while the calling thread waits for the exit.
 *
 * <p>At the deadline ({@code exec.CommandContext} with one minute in the kubelet) the process and
 * every descendant seen while it ran ({@link ProcessHandle#descendants()}, noted every 50 ms, since
 * a child is reparented and no longer found once its parent exits) are killed with SIGKILL. A child
 * that exits and leaves a grandchild holding stdout is killed through that note, which frees the
 * pipe and the pool thread reading it; so is any process carrying the run's mark, an environment
 * variable {@code BERTH_CREDENTIAL_PLUGIN_RUN} set to a random value per run and looked for in
 * {@code /proc/<pid>/environ} (a child forked and left behind between two notes, or one that
 * double-forked). A child that clears its environment and detaches may still escape; the run ends
 * at the deadline as a timeout all the same.
 */
final class PluginProcess {
  /** The most stdout that is read. */
  static final int MAX_STDOUT = 1 << 20;

  private static final ExecutorService IO =
      Executors.newCachedThreadPool(
          new ThreadFactory() {
            private final AtomicInteger count = new AtomicInteger();

            @Override
            public Thread newThread(Runnable r) {
              Thread t = new Thread(r, "berth-credential-plugin-io-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            }
          });

  private PluginProcess() {}

  /** Why a run failed, with a message that holds no output of the plugin. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    private final CredentialProviders.FailureReason reason;

    Failure(CredentialProviders.FailureReason reason, String message) {
      super(message);
      this.reason = reason;
    }

    CredentialProviders.FailureReason reason() {
      return reason;
    }
  }

  /**
   * Runs {@code binary} and returns its stdout when it exits with status 0 in time.
   *
   * @param env added to berth's own environment; later entries win, as with Go's {@code exec.Cmd}
   * @throws Failure {@code start}, {@code exit}, {@code timeout}, or {@code invalid-response} for
   *     stdout over {@link #MAX_STDOUT}
   */
  static byte[] run(
      Path binary,
      List<String> args,
      List<CredentialProviderConfig.EnvVar> env,
      byte[] stdin,
      Duration timeout)
      throws Failure, InterruptedException {
    List<String> command = new ArrayList<>(args.size() + 1);
    command.add(binary.toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> environment = builder.environment();
    for (CredentialProviderConfig.EnvVar var : env) {
      environment.put(var.name(), var.value());
    }
    // Marks every process of this run, children included (they inherit the environment), so
    // that ones left behind can be found after the plugin exits and they are reparented.
    String runId = java.util.UUID.randomUUID().toString();
    environment.put(RUN_MARK, runId);
    String mark = RUN_MARK + "=" + runId;
    long deadline = System.nanoTime() + timeout.toNanos();
    Process process;
    try {
      process = builder.start();
    } catch (IOException | RuntimeException e) {
      throw new Failure(
          CredentialProviders.FailureReason.START, "cannot start " + binary + ": " + describe(e));
    }
    try {
      Future<byte[]> stdout = IO.submit(() -> readStdout(process));
      Future<Long> stderr = IO.submit(() -> drain(process.getErrorStream()));
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin);
      } catch (IOException e) {
        // The plugin exited or closed stdin without reading it all: its exit status tells.
      }
      Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
      if (!waitWatchingDescendants(process, deadline, seen)) {
        seen.addAll(marked(mark));
        int killed = killTree(process, seen);
        throw new Failure(
            CredentialProviders.FailureReason.TIMEOUT,
            "did not finish within "
                + GoDuration.format(timeout)
                + "; killed it"
                + (killed > 0 ? " and " + killed + " descendant process(es)" : ""));
      }
      byte[] out;
      try {
        out = stdout.get(remaining(deadline), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // The plugin is gone, so its children were reparented and descendants() no longer finds
        // them: kill the ones seen while it ran or carrying this run's mark, which is what holds
        // the pipe open.
        seen.addAll(marked(mark));
        int killed = killTree(process, seen);
        throw new Failure(
            CredentialProviders.FailureReason.TIMEOUT,
            "exited, but its stdout stayed open past "
                + GoDuration.format(timeout)
                + " (a child process holds it); killed "
                + killed
                + " descendant process(es)");
      } catch (ExecutionException e) {
        throw new Failure(
            CredentialProviders.FailureReason.INVALID_RESPONSE,
            "cannot read stdout: " + describe(e.getCause() != null ? e.getCause() : e));
      }
      if (out.length > MAX_STDOUT) {
        throw new Failure(
            CredentialProviders.FailureReason.INVALID_RESPONSE,
            "stdout is larger than " + MAX_STDOUT + " bytes; killed it");
      }
      int status = process.exitValue();
      if (status != 0) {
        throw new Failure(
            CredentialProviders.FailureReason.EXIT,
            "exited with status " + status + " (" + stderrSize(stderr, deadline) + ")");
      }
      return out;
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    } finally {
      if (process.isAlive()) {
        killTree(process);
      }
    }
  }

  /** Reads stdout up to one byte past the limit; past it, kills the plugin and stops. */
  private static byte[] readStdout(Process process) throws IOException {
    try (InputStream in = process.getInputStream()) {
      byte[] out = in.readNBytes(MAX_STDOUT + 1);
      if (out.length > MAX_STDOUT) {
        killTree(process);
      }
      return out;
    }
  }

  /** Reads and discards, counting bytes. */
  private static long drain(InputStream in) throws IOException {
    try (in) {
      byte[] buffer = new byte[8192];
      long total = 0;
      for (int n; (n = in.read(buffer)) >= 0; ) {
        total += n;
      }
      return total;
    }
  }

  private static String stderrSize(Future<Long> stderr, long deadline) {
    try {
      long bytes = stderr.get(Math.min(remaining(deadline), 100_000_000L), TimeUnit.NANOSECONDS);
      return bytes == 0 ? "no stderr" : "stderr: " + bytes + " bytes, not shown";
    } catch (ExecutionException | TimeoutException e) {
      return "stderr not read";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "stderr not read";
    }
  }

  /** Kills the process and its descendants; returns how many descendants were found. */
  static int killTree(Process process) {
    return killTree(process, Set.of());
  }

  /**
   * Kills the process, its descendants now, and those {@code seen} earlier that are still alive;
   * returns how many descendants were killed.
   */
  static int killTree(Process process, Set<ProcessHandle> seen) {
    Set<ProcessHandle> descendants = new java.util.HashSet<>(seen);
    try {
      process.descendants().forEach(descendants::add);
    } catch (RuntimeException e) {
      // the process is gone: only those seen before remain
    }
    process.destroyForcibly();
    int killed = 0;
    for (ProcessHandle child : descendants) {
      if (child.isAlive()) {
        child.destroyForcibly();
        killed++;
      }
    }
    return killed;
  }

  /** The environment variable that marks the processes of one run. */
  static final String RUN_MARK = "BERTH_CREDENTIAL_PLUGIN_RUN";

  /**
   * The processes whose environment holds the entry {@code mark} ({@code NAME=value}), read from
   * {@code /proc/<pid>/environ} (Linux; elsewhere, or for processes of other users, none are
   * found). Only on the failure path: it reads every process's environment.
   */
  static List<ProcessHandle> marked(String mark) {
    byte[] needle = mark.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    List<ProcessHandle> found = new ArrayList<>();
    ProcessHandle self = ProcessHandle.current();
    ProcessHandle.allProcesses()
        .filter(p -> !p.equals(self))
        .forEach(
            p -> {
              try {
                Path environ = Path.of("/proc", Long.toString(p.pid()), "environ");
                if (containsEntry(java.nio.file.Files.readAllBytes(environ), needle)) {
                  found.add(p);
                }
              } catch (IOException | RuntimeException e) {
                // gone, not ours, or no /proc
              }
            });
    return found;
  }

  /** Whether the NUL-separated {@code environ} holds exactly the entry {@code needle}. */
  private static boolean containsEntry(byte[] environ, byte[] needle) {
    int start = 0;
    for (int i = 0; i <= environ.length; i++) {
      if (i == environ.length || environ[i] == 0) {
        if (i - start == needle.length
            && java.util.Arrays.equals(environ, start, i, needle, 0, needle.length)) {
          return true;
        }
        start = i + 1;
      }
    }
    return false;
  }

  /** How often the descendants of a running plugin are noted, while waiting for its exit. */
  private static final long WATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /**
   * Waits for the exit until {@code deadline}, noting the process's descendants every 50 ms into
   * {@code seen}: once it exits they are reparented and can no longer be found from it.
   *
   * @return whether it exited in time
   */
  private static boolean waitWatchingDescendants(
      Process process, long deadline, Set<ProcessHandle> seen) throws InterruptedException {
    while (true) {
      try {
        process.descendants().forEach(seen::add);
      } catch (RuntimeException e) {
        // exited meanwhile
      }
      long left = remaining(deadline);
      if (left == 0) {
        return !process.isAlive();
      }
      if (process.waitFor(Math.min(left, WATCH_NANOS), TimeUnit.NANOSECONDS)) {
        return true;
      }
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
