package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * s3proxy (a real S3 API server, filesystem-backed) as its own process, from the jar the build
 * copies to {@code target/tools/s3proxy.jar}: one bucket, SigV4 with fixed test keys, its objects
 * as plain files under {@link #bucketDir()}.
 */
public final class S3ProxyProcess implements AutoCloseable {
  public static final String BUCKET = "berth-tier";
  public static final String ACCESS_KEY = "berth-test";
  public static final String SECRET_KEY = "berth-test-secret";

  private final Path dir;
  private final int port;
  private final Daemon daemon;

  private S3ProxyProcess(Path dir, int port, Daemon daemon) {
    this.dir = dir;
    this.port = port;
    this.daemon = daemon;
  }

  /** The jar, from {@code -Dberth.s3proxy.jar} (set by the build for integration tests). */
  static Path jar() {
    Path jar = Path.of(System.getProperty("berth.s3proxy.jar", "target/tools/s3proxy.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: run the tests through Maven (mvn verify copies s3proxy there)");
    }
    return jar;
  }

  public static S3ProxyProcess start(Path dir) throws Exception {
    Files.createDirectories(dir.resolve("data").resolve(BUCKET));
    int port = FreePorts.next();
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + dir.resolve("data"),
            ""));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Daemon daemon =
        Daemon.start(
            "s3proxy",
            List.of(
                java, "-Xmx256m", "-jar", jar().toString(), "--properties", properties.toString()),
            Map.of(),
            dir.resolve("s3proxy.log"));
    S3ProxyProcess started = new S3ProxyProcess(dir, port, daemon);
    started.awaitUp();
    return started;
  }

  private void awaitUp() throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!daemon.isAlive()) {
        throw new IllegalStateException(daemon.describe("exited before listening"));
      }
      try {
        HttpURLConnection c =
            (HttpURLConnection) URI.create(endpoint() + "/" + BUCKET).toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        c.getResponseCode(); // any HTTP answer: it listens
        c.disconnect();
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(daemon.describe("did not listen within 60 s"));
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Where the bucket's objects are files, under their keys. */
  public Path bucketDir() {
    return dir.resolve("data").resolve(BUCKET);
  }

  /** An AWS shared-credentials file with the test keys, as an operator would mount one. */
  public Path credentialsFile() {
    Path file = dir.resolve("credentials");
    try {
      Files.writeString(
          file,
          "[default]\naws_access_key_id = "
              + ACCESS_KEY
              + "\naws_secret_access_key = "
              + SECRET_KEY
              + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** The {@code cluster} block of a tier replica's config using this bucket. */
  public String clusterYaml(String prefix) {
    return "cluster:\n  object-storage:\n    endpoint: "
        + endpoint()
        + "\n    bucket: "
        + BUCKET
        + "\n    prefix: "
        + prefix
        + "\n    credentials-file: "
        + credentialsFile()
        + "\n";
  }

  @Override
  public void close() {
    daemon.stop();
  }
}
