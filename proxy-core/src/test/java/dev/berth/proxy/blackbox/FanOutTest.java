package dev.berth.proxy.blackbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.Digest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients of one live download share it from memory (issue 14): a fast client and a slow one get
 * the exact blob from a single upstream GET; the slow one falls a window behind and continues from
 * storage; the memory held stays under {@code limits.fan-out-memory}.
 */
class FanOutTest {
  private static final int MIB = 1 << 20;

  @TempDir Path dir;

  @Test
  void fastAndSlowClients_shareOneDownload_slowOneContinuesFromStorage() throws Exception {
    byte[] blob = new byte[24 * MIB];
    new Random(14).nextBytes(blob);
    Digest digest = Digest.sha256Of(blob);
    String path = "/v2/library/app/blobs/" + digest;
    // The upstream sends 100 KiB (less than a memory block, which never leaves the window half
    // filled), then waits until both clients have joined the download, then the rest.
    CountDownLatch joined = new CountDownLatch(1);
    RawUpstream.Behaviour gated =
        (requestLine, out) -> {
          out.write(RawUpstream.head("200 OK", "Content-Length: " + blob.length));
          out.write(blob, 0, 100 << 10);
          out.flush();
          joined.await(20, TimeUnit.SECONDS);
          for (int at = 100 << 10; at < blob.length; at += 256 << 10) {
            out.write(blob, at, Math.min(256 << 10, blob.length - at));
            out.flush();
            Thread.sleep(2);
          }
        };
    try (RawUpstream slow = new RawUpstream(gated);
        RunningBerth berth =
            RunningBerth.start(
                dir,
                RunningBerth.oneUpstream("slow.test", slow.url(), "kubernetes")
                    + "limits:\n  fan-out-window: 1MiB\n  fan-out-memory: 2MiB\n")) {
      // The slow client: a tiny receive window, and it reads nothing until the download is over.
      Socket lazy = new Socket();
      lazy.setReceiveBufferSize(16 << 10);
      lazy.connect(new InetSocketAddress("127.0.0.1", berth.url("/").getPort()));
      lazy.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      CompletableFuture<HttpResponse<byte[]>> fastClient =
          HttpClient.newHttpClient()
              .sendAsync(
                  HttpRequest.newBuilder(berth.url(path)).build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (gauge(berth.metrics(), "berth_fanout_clients_total") < 2
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      joined.countDown();

      AtomicLong peak = new AtomicLong();
      CompletableFuture<Void> sampler =
          CompletableFuture.runAsync(
              () -> {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < until) {
                  try {
                    peak.accumulateAndGet(
                        gauge(berth.metrics(), "berth_fanout_memory_bytes"), Math::max);
                    if (berth.metrics().contains("berth_storage_blobs 1.0")) {
                      return;
                    }
                    Thread.sleep(20);
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      HttpResponse<byte[]> fast = fastClient.get(30, TimeUnit.SECONDS);
      assertEquals(200, fast.statusCode());
      assertArrayEquals(blob, fast.body(), "the fast client's bytes");
      sampler.get(30, TimeUnit.SECONDS);

      lazy.setSoTimeout(20_000);
      byte[] raw;
      try (InputStream in = lazy.getInputStream()) {
        raw = in.readAllBytes();
      }
      String response = new String(raw, StandardCharsets.ISO_8859_1);
      assertTrue(response.startsWith("HTTP/1.1 200"), response.substring(0, 40));
      int bodyStart = response.indexOf("\r\n\r\n") + 4;
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.write(raw, bodyStart, raw.length - bodyStart);
      assertArrayEquals(blob, body.toByteArray(), "the slow client's bytes");

      String metrics = berth.metrics();
      assertEquals(
          1,
          slow.requests.stream().filter(r -> r.startsWith("GET /v2/library/app/blobs/")).count(),
          "one upstream GET for both clients: " + slow.requests);
      assertEquals(2, gauge(metrics, "berth_fanout_clients_total"), metrics);
      assertTrue(gauge(metrics, "berth_fanout_fallbacks_total") >= 1, "the slow one fell behind");
      assertTrue(peak.get() > 0, "the sampler saw the download's memory");
      // The cap plus one window above it: a download over the cap pauses for its writer.
      assertTrue(peak.get() <= 3L * MIB, "fan-out memory peaked at " + peak.get());
      assertEquals(0, gauge(metrics, "berth_fanout_memory_bytes"), "all freed after the download");
    }
  }

  private static long gauge(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.E]+)$").matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }
}
