package dev.berth.proxy.cli;

import dev.berth.storage.Digest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code serve --warm-up-run}: one pull through a started berth, as a runtime makes it, of a
 * generated two-platform image that a built-in upstream serves (on 127.0.0.1, nothing leaves the
 * machine). A JVM recording a class-data archive then archives the classes a pull loads too (the
 * upstream client, the download and its fan-out, the store's write and read paths), not only those
 * of the start: a fresh process's first pull took a third less time with such an archive
 * (RESULTS.md, "class-data archive of a pull").
 */
final class WarmUpRun {
  /** The upstream name the run adds; the image is {@code warm-up/app:1} under it. */
  static final String UPSTREAM = "warm-up.local";

  private static final int TIMEOUT_MILLIS = 30_000;
  private static final String INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private final Map<String, byte[]> blobs;
  private final Map<String, byte[]> manifests;
  private final Map<String, String> types;

  private WarmUpRun() {
    // Three chunks and a bit: the download goes through the fan-out window and several stored
    // chunks, as a real layer does.
    byte[] layer = new byte[3 * (1 << 20) + 4321];
    new Random(1).nextBytes(layer);
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\""
                + Digest.sha256Of(layer)
                + "\"]},\"config\":{}}")
            .getBytes(StandardCharsets.UTF_8);
    blobs = Map.of(digest(layer), layer, digest(config), config);
    byte[] amd64 = manifest(config, layer).getBytes(StandardCharsets.UTF_8);
    byte[] arm64 =
        (new String(amd64, StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
    byte[] index =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + INDEX
                + "\",\"manifests\":["
                + entry(amd64, "amd64")
                + ","
                + entry(arm64, "arm64")
                + "]}")
            .getBytes(StandardCharsets.UTF_8);
    String indexDigest = digest(index);
    String amd64Digest = digest(amd64);
    String arm64Digest = digest(arm64);
    manifests = Map.of(amd64Digest, amd64, arm64Digest, arm64, indexDigest, index, "1", index);
    types = Map.of(amd64Digest, MANIFEST, arm64Digest, MANIFEST, indexDigest, INDEX, "1", INDEX);
  }

  /** The built-in upstream, started on 127.0.0.1; {@link Upstream#close} stops it. */
  static Upstream startUpstream() {
    WarmUpRun image = new WarmUpRun();
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(image::answer)
              .listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      return new Upstream(image, vertx, server.actualPort());
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("warm-up run: the built-in upstream did not start: " + e, e);
    }
  }

  /** The built-in upstream while it runs. */
  static final class Upstream implements AutoCloseable {
    private final WarmUpRun image;
    private final Vertx vertx;
    private final int port;

    private Upstream(WarmUpRun image, Vertx vertx, int port) {
      this.image = image;
      this.vertx = vertx;
      this.port = port;
    }

    /** {@code --upstream} for it. */
    String upstreamOption() {
      return UPSTREAM + "=http://127.0.0.1:" + port;
    }

    /**
     * Pulls the image through berth's registry listener at {@code registry}: the index by tag, both
     * manifests and every blob, the layer twice (a miss, then a hit), each compared with what the
     * upstream serves.
     *
     * @throws IllegalStateException naming the request that did not answer as expected
     */
    void pullThrough(URI registry) {
      String repo = registry + "/v2/" + UPSTREAM + "/warm-up/app/";
      for (Map.Entry<String, byte[]> m : image.manifests.entrySet()) { // the tag "1" among them
        image.expect(repo + "manifests/" + m.getKey(), m.getValue());
      }
      for (int round = 0; round < 2; round++) {
        for (Map.Entry<String, byte[]> b : image.blobs.entrySet()) {
          image.expect(repo + "blobs/" + b.getKey(), b.getValue());
        }
      }
    }

    @Override
    public void close() {
      vertx.close();
    }
  }

  private void answer(HttpServerRequest request) {
    String path = request.path();
    String prefix = "/v2/warm-up/app/";
    byte[] body = null;
    String type = "application/octet-stream";
    if (path.equals("/v2/")) {
      body = "{}".getBytes(StandardCharsets.UTF_8);
      type = "application/json";
    } else if (path.equals(prefix + "tags/list")) {
      // Tenancy verify asks for this anonymously to learn that the repository is public.
      body = "{\"name\":\"warm-up/app\",\"tags\":[\"1\"]}".getBytes(StandardCharsets.UTF_8);
      type = "application/json";
    } else if (path.startsWith(prefix + "manifests/")) {
      String ref = path.substring((prefix + "manifests/").length());
      body = manifests.get(ref);
      type = types.getOrDefault(ref, type);
    } else if (path.startsWith(prefix + "blobs/")) {
      body = blobs.get(path.substring((prefix + "blobs/").length()));
    }
    if (body == null) {
      request.response().setStatusCode(404).end();
      return;
    }
    var response =
        request
            .response()
            .putHeader("Content-Type", type)
            .putHeader("Docker-Content-Digest", "sha256:" + Digest.sha256Of(body).hex())
            .putHeader("Content-Length", Integer.toString(body.length));
    if (request.method().name().equals("HEAD")) {
      response.end();
    } else {
      response.end(Buffer.buffer(body));
    }
  }

  private void expect(String url, byte[] wanted) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(TIMEOUT_MILLIS);
      c.setReadTimeout(TIMEOUT_MILLIS);
      c.setRequestProperty("Accept", INDEX + ", " + MANIFEST);
      int status = c.getResponseCode();
      byte[] body;
      try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
        body = in == null ? new byte[0] : in.readAllBytes();
      }
      if (status != 200 || !Arrays.equals(body, wanted)) {
        throw new IllegalStateException(
            "warm-up run: "
                + url
                + " answered "
                + status
                + (status == 200
                    ? " with other bytes"
                    : ": " + new String(body, StandardCharsets.UTF_8)));
      }
    } catch (IOException e) {
      throw new IllegalStateException("warm-up run: " + url + " did not answer: " + e, e);
    }
  }

  private static String digest(byte[] bytes) {
    return Digest.sha256Of(bytes).toString();
  }

  private static String manifest(byte[] config, byte[] layer) {
    return "{\"schemaVersion\":2,\"mediaType\":\""
        + MANIFEST
        + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
        + digest(config)
        + "\",\"size\":"
        + config.length
        + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
        + digest(layer)
        + "\",\"size\":"
        + layer.length
        + "}]}";
  }

  private static String entry(byte[] manifest, String architecture) {
    return "{\"mediaType\":\""
        + MANIFEST
        + "\",\"digest\":\""
        + digest(manifest)
        + "\",\"size\":"
        + manifest.length
        + ",\"platform\":{\"architecture\":\""
        + architecture
        + "\",\"os\":\"linux\"}}";
  }
}
