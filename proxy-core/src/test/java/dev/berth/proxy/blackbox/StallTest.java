package dev.berth.proxy.blackbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.Digest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, defect 3: an upstream that sends the headers and 100 bytes of a blob, then nothing,
 * held its download slot forever ({@code read-timeout} was not enforced once the body had begun).
 * With {@code read-timeout: 1s} the download must end, the client must see the failure, and the
 * slot must be free again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StallTest {
  @TempDir Path dir;

  @Test
  void bodyStallsAfter100Bytes_downloadEndsWithinTheReadTimeout() throws Exception {
    byte[] blob = new byte[1_000_000];
    Digest digest = Digest.sha256Of(blob);
    List<Socket> held = new ArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread upstream =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket socket = server.accept();
                    held.add(socket); // never closed while the test runs: a stall, not a break
                    BufferedReader in =
                        new BufferedReader(
                            new InputStreamReader(
                                socket.getInputStream(), StandardCharsets.US_ASCII));
                    for (String line = in.readLine();
                        line != null && !line.isEmpty();
                        line = in.readLine()) {
                      // request head
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(
                        ("HTTP/1.1 200 OK\r\nContent-Length: " + blob.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(blob, 0, 100);
                    out.flush();
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      upstream.setDaemon(true);
      upstream.start();
      try (RunningBerth berth =
          RunningBerth.start(
              dir,
              RunningBerth.oneUpstream(
                      "stall.test", "http://127.0.0.1:" + server.getLocalPort(), "if-not-present")
                  + "    read-timeout: 1s\n")) {
        long started = System.nanoTime();
        long got = -1;
        try {
          HttpResponse<java.io.InputStream> r =
              HttpClient.newBuilder()
                  .version(HttpClient.Version.HTTP_1_1)
                  .build()
                  .send(
                      HttpRequest.newBuilder(berth.url("/v2/library/app/blobs/" + digest))
                          .timeout(Duration.ofSeconds(30))
                          .build(),
                      HttpResponse.BodyHandlers.ofInputStream());
          try (var body = r.body()) {
            got = body.readAllBytes().length;
          }
        } catch (java.io.IOException e) {
          // the connection cut before the end: what a stall must end in
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertTrue(got < blob.length, "a stalled blob must not look whole: " + got);
        assertTrue(seconds < 15, "the stall ended only after " + seconds + " s");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!berth.metrics().contains("berth_upstream_downloads_inflight 0.0")
            && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertTrue(
            berth.metrics().contains("berth_upstream_downloads_inflight 0.0"),
            "the download slot is free again");
      }
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
