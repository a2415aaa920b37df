package dev.berth.proxy.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The real berth jar ({@code -Dberth.jar}, built by {@code mvn package}) serving in its own
 * process, for tests that must kill it as a crash would ({@link #kill}: SIGKILL).
 */
public final class BerthProcess implements AutoCloseable {
  private static final Path JAR = Path.of(System.getProperty("berth.jar", "target/berth.jar"));

  private final Process process;
  private final int port;

  private BerthProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts {@code berth serve} on {@code 127.0.0.1:port} and waits until it answers {@code /v2/}
   * (200, or 401 under the default tenancy); its output goes to {@code <dir>/<name>.log}.
   */
  public static BerthProcess start(Path dir, Path config, Path data, int port, String name)
      throws Exception {
    Path log = dir.resolve(name + ".log");
    Process p =
        new ProcessBuilder(
                "java",
                "-jar",
                JAR.toString(),
                "serve",
                "--config",
                config.toString(),
                "--listen",
                "127.0.0.1:" + port,
                "--admin",
                "127.0.0.1:" + FreePorts.next(),
                "--data",
                data.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Processes.track(p);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && p.isAlive()) {
      try {
        int status =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (status == 200 || status == 401) {
          return new BerthProcess(p, port);
        }
      } catch (java.io.IOException e) {
        Thread.sleep(200);
      }
    }
    p.destroyForcibly();
    throw new AssertionError("berth did not start: " + Files.readString(log));
  }

  public int port() {
    return port;
  }

  public Process process() {
    return process;
  }

  /** SIGKILL, as a crash or an OOM kill: no shutdown of any kind. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM and a wait for berth's own shutdown. */
  @Override
  public void close() {
    Processes.stop(process, Daemon.GRACE_MILLIS);
  }
}
