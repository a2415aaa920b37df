package dev.berth.proxy.blackbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.Digest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upstream whose connection breaks mid-blob: berth resumes with {@code Range} from the first
 * missing byte, and the client sees one clean, correct blob. The upstream is a raw socket server,
 * so the break is a real TCP close after a promised {@code Content-Length}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResumeTest {
  @TempDir Path dir;

  /**
   * Broken mid-body, and broken right after the head: a break reported after no byte is resumed too
   * (on a loaded machine the close can be reported while the bytes that came are still queued,
   * unread: the first form of this test failed that way, 503 "connection broke after 0 bytes").
   */
  @ParameterizedTest(name = "broken after {0} bytes")
  @ValueSource(ints = {1_500_000, 0})
  void brokenTransfer_resumedWithRange_clientGetsTheWholeBlob(int breakAt) throws Exception {
    byte[] blob = new byte[3 * 1024 * 1024 + 321];
    new Random(9).nextBytes(blob);
    Digest digest = Digest.sha256Of(blob);
    List<String> ranges = new CopyOnWriteArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread upstream =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (Socket socket = server.accept()) {
                    String range = readRequestRange(socket);
                    ranges.add(String.valueOf(range));
                    OutputStream out = socket.getOutputStream();
                    if (range == null) {
                      out.write(head("200 OK", blob.length, null));
                      out.write(blob, 0, breakAt); // then the connection closes: a broken transfer
                    } else {
                      int from = Integer.parseInt(range.substring(6, range.length() - 1));
                      out.write(
                          head(
                              "206 Partial Content",
                              blob.length - from,
                              "bytes " + from + "-" + (blob.length - 1) + "/" + blob.length));
                      out.write(blob, from, blob.length - from);
                      out.flush();
                      // Keep the connection until berth drops it: closing at once races the
                      // body's end, and Vert.x may then report the close first (seen under load).
                      while (socket.getInputStream().read() >= 0) {}
                    }
                    out.flush();
                  } catch (IOException e) {
                    return; // closed
                  }
                }
              });
      upstream.setDaemon(true);
      upstream.start();

      try (RunningBerth berth =
          RunningBerth.start(
              dir,
              RunningBerth.oneUpstream(
                  "flaky.test", "http://127.0.0.1:" + server.getLocalPort(), "kubernetes"))) {
        var r = berth.get("/v2/library/app/blobs/" + digest);
        assertEquals(
            200,
            r.statusCode(),
            () -> new String(r.body(), java.nio.charset.StandardCharsets.UTF_8) + " " + ranges);
        assertArrayEquals(blob, r.body());
        // The resume starts at the first byte berth does not have: at most where the upstream
        // broke off (bytes still in flight when the break is seen are fetched again).
        assertEquals(2, ranges.size(), ranges.toString());
        assertEquals("null", ranges.get(0));
        long resumedAt = Long.parseLong(ranges.get(1).replaceAll("bytes=(\\d+)-", "$1"));
        assertTrue(resumedAt >= 0 && resumedAt <= breakAt, ranges.toString());
        berth.awaitMetric("berth_storage_blobs 1.0"); // committed just after the client's last byte
      }
    }
  }

  private static byte[] head(String status, long length, String contentRange) {
    String h =
        "HTTP/1.1 "
            + status
            + "\r\nContent-Length: "
            + length
            + "\r\n"
            + (contentRange == null ? "" : "Content-Range: " + contentRange + "\r\n")
            + "Connection: close\r\n\r\n";
    return h.getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads the request head; returns its Range header or null. */
  private static String readRequestRange(Socket socket) throws IOException {
    BufferedReader in =
        new BufferedReader(
            new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
    String range = null;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("range:")) {
        range = line.substring(6).trim();
      }
    }
    return range;
  }
}
