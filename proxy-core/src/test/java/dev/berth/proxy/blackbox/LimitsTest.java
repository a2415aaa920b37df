package dev.berth.proxy.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits that protect a node: over each one a client gets a clear answer at once, never a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {
  @TempDir Path dir;
  private RunningBerth berth;

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
  }

  private void start(String upstreamUrl, String limits) throws IOException {
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream("upstream.test", upstreamUrl, "if-not-present")
                + "limits:\n"
                + limits);
  }

  @Test
  void connectionsBeyondMaxConnections_areClosedAtOnce() throws Exception {
    start("http://127.0.0.1:9", "  max-connections: 2\n");
    try (Socket a = connect();
        Socket b = connect()) {
      assertTrue(request(a, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
      assertTrue(request(b, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
      try (Socket c = connect()) {
        assertClosedWithin(c, 2_000);
      }
    }
    // Once the others closed, a new connection is served again.
    awaitOpenConnectionsBelow(2);
    assertEquals(200, berth.get("/v2/").statusCode());
    assertTrue(berth.metrics().contains("berth_connections_rejected_total 1.0"));
  }

  @Test
  void silentConnections_countFromAccept_andAreClosedAfterTheHeaderTimeout() throws Exception {
    start("http://127.0.0.1:9", "  max-connections: 4\n  header-timeout: 1s\n");
    List<Socket> silent = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        silent.add(connect()); // connect and send nothing
      }
      // The cap holds them: four are open and counted, six were closed at accept.
      awaitMetric("berth_connections_open 4.0");
      awaitMetric("berth_connections_rejected_total 6.0");
      int closedAtOnce = 0;
      for (Socket s : silent.subList(4, 10)) {
        assertClosedWithin(s, 2_000);
        closedAtOnce++;
      }
      assertEquals(6, closedAtOnce);
      // The four are closed after the header timeout, and a normal request is answered again.
      for (Socket s : silent.subList(0, 4)) {
        assertClosedWithin(s, 5_000);
      }
      awaitMetric("berth_connections_open 0.0");
      awaitMetric("berth_connections_header_timeouts_total 4.0");
      assertEquals(200, berth.get("/v2/").statusCode());
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  void aNormalRequestIsAnsweredAtOnceNextToSilentConnectionsBelowTheCap() throws Exception {
    start("http://127.0.0.1:9", "  max-connections: 8\n  header-timeout: 30s\n");
    List<Socket> silent = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        silent.add(connect());
      }
      awaitMetric("berth_connections_open 5.0");
      long start = System.nanoTime();
      assertEquals(200, berth.get("/v2/").statusCode());
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2_000);
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  void slowlorisHeadersAreCutAtTheHeaderTimeoutThoughBytesKeepComing() throws Exception {
    start("http://127.0.0.1:9", "  header-timeout: 1s\n");
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      long start = System.nanoTime();
      String head = "GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100);
      boolean cut = false;
      for (int i = 0; i < head.length() && !cut; i++) {
        try {
          out.write(head.charAt(i));
          out.flush();
          Thread.sleep(50); // far within the idle timeout, far beyond the header timeout in all
        } catch (IOException closed) {
          cut = true;
        }
        if (s.getInputStream().available() == 0 && !cut && i % 10 == 9) {
          cut = peekClosed(s);
        }
      }
      assertTrue(cut, "a slowloris request head was still being read after 5 s");
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(waited >= 800 && waited < 4_000, "closed after " + waited + " ms");
    }
    awaitMetric("berth_connections_header_timeouts_total 1.0");
  }

  @Test
  void aKeptAliveConnectionOutlivesTheHeaderTimeoutOnceItSentARequest() throws Exception {
    start("http://127.0.0.1:9", "  header-timeout: 1s\n");
    try (Socket s = connect()) {
      assertTrue(request(s, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
      Thread.sleep(2_000);
      assertTrue(request(s, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
    }
    assertTrue(berth.metrics().contains("berth_connections_header_timeouts_total 0.0"));
  }

  @Test
  void headersBeyondMaxHeaderSize_get431() throws Exception {
    start("http://127.0.0.1:9", "  max-header-size: 4KiB\n");
    try (Socket s = connect()) {
      String big = "x".repeat(6 << 10);
      String answer = readAll(s, "GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
    }
    assertEquals(200, berth.get("/v2/").statusCode(), "normal requests still pass");
  }

  @Test
  void aSilentClientIsClosedAfterTheIdleTimeout() throws Exception {
    start("http://127.0.0.1:9", "  idle-timeout: 1s\n");
    try (Socket s = connect()) {
      s.getOutputStream().write("GET /v2/ HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
      s.setSoTimeout(10_000);
      long start = System.nanoTime();
      int read;
      try {
        read = s.getInputStream().read();
      } catch (SocketTimeoutException e) {
        throw new AssertionError("a slowloris connection was kept open for 10 s", e);
      } catch (IOException reset) {
        read = -1;
      }
      assertEquals(-1, read, "the server closed the connection");
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(waited >= 800 && waited < 5_000, "closed after " + waited + " ms");
    }
  }

  @Test
  void missesBeyondMaxDownloads_get503WithRetryAfter_whileJoiningARunningDownloadWorks()
      throws Exception {
    byte[] body = new byte[4 << 20];
    new Random(7).nextBytes(body);
    Digest running = Digest.sha256Of(body);
    try (SlowUpstream slow = SlowUpstream.serving(body, 150)) {
      start(slow.url(), "  max-downloads: 1\n");
      CompletableFuture<HttpResponse<byte[]>> first =
          CompletableFuture.supplyAsync(() -> get("/v2/library/app/blobs/" + running));
      awaitMetric("berth_upstream_downloads_inflight 1.0");

      Digest other = Digest.sha256Of(new byte[] {1});
      long start = System.nanoTime();
      HttpResponse<byte[]> refused = berth.get("/v2/library/app/blobs/" + other);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(503, refused.statusCode());
      assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
      String error = new String(refused.body(), StandardCharsets.UTF_8);
      assertTrue(error.contains("limits.max-downloads"), error);
      assertTrue(tookMillis < 1_000, "refusing took " + tookMillis + " ms");

      HttpResponse<byte[]> joined = berth.get("/v2/library/app/blobs/" + running);
      assertEquals(200, joined.statusCode(), "joining the running download is not limited");
      assertEquals(running, Digest.sha256Of(joined.body()));
      assertEquals(running, Digest.sha256Of(first.get().body()));
      assertEquals(1, slow.requests());
    }
  }

  private HttpResponse<byte[]> get(String path) {
    try {
      return berth.get(path);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", berth.url("/").getPort());
    s.setSoTimeout(10_000);
    return s;
  }

  /** Sends a request and reads one response's head and (small, length-delimited) body. */
  private static String request(Socket s, String request) throws IOException {
    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      head.append((char) c);
    }
    String text = head.toString();
    int at = text.toLowerCase().indexOf("content-length:");
    if (at >= 0) {
      int length = Integer.parseInt(text.substring(at + 15, text.indexOf("\r\n", at)).trim());
      text += new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
    return text;
  }

  /** Sends a request and reads until the server closes the connection. */
  private static String readAll(Socket s, String request) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void anHttp2PriorKnowledgeConnectionOutlivesTheHeaderTimeoutOnceItSentARequest()
      throws Exception {
    start("http://127.0.0.1:9", "  header-timeout: 1s\n");
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.core.http.HttpClient client =
          vertx.createHttpClient(
              new io.vertx.core.http.HttpClientOptions()
                  .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                  .setHttp2ClearTextUpgrade(false));
      int port = berth.url("/").getPort();
      for (int i = 0; i < 2; i++) {
        int status =
            client
                .request(io.vertx.core.http.HttpMethod.GET, port, "127.0.0.1", "/v2/")
                .compose(r -> r.send())
                .map(io.vertx.core.http.HttpClientResponse::statusCode)
                .await();
        assertEquals(200, status);
        if (i == 0) {
          Thread.sleep(2_000);
        }
      }
      assertTrue(berth.metrics().contains("berth_connections_header_timeouts_total 0.0"));
    } finally {
      vertx.close().await();
    }
  }

  /** The server closes {@code s} within {@code millis} without sending anything. */
  private static void assertClosedWithin(Socket s, int millis) throws IOException {
    s.setSoTimeout(millis);
    int read;
    try {
      read = s.getInputStream().read();
    } catch (SocketTimeoutException e) {
      throw new AssertionError("still open after " + millis + " ms", e);
    } catch (IOException reset) {
      read = -1;
    }
    assertEquals(-1, read, "the server closed the connection without an answer");
  }

  /** Whether the server has closed {@code s}: a read that returns end of stream at once. */
  private static boolean peekClosed(Socket s) throws IOException {
    s.setSoTimeout(1);
    try {
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException open) {
      return false;
    } catch (IOException reset) {
      return true;
    } finally {
      s.setSoTimeout(10_000);
    }
  }

  private void awaitOpenConnectionsBelow(int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (String line : berth.metrics().split("\n")) {
        if (line.startsWith("berth_connections_open ")
            && Double.parseDouble(line.substring(line.indexOf(' ') + 1)) < n) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("connections stayed open");
  }

  private void awaitMetric(String line) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!berth.metrics().contains(line)) {
      assertTrue(System.nanoTime() < deadline, "never saw " + line);
      Thread.sleep(20);
    }
  }
}
