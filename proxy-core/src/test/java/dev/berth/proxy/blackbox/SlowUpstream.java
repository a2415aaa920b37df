package dev.berth.proxy.blackbox;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain JDK HTTP server that answers every request with one body, sent in pieces with pauses, so
 * that berth's clients are mid-stream while the upstream is still sending. (WireMock sends small
 * bodies too quickly for that.)
 */
final class SlowUpstream implements AutoCloseable {
  private static final int PIECE = 256 << 10;

  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();

  private SlowUpstream(byte[] body, long pauseMillis) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            for (int i = 0; i < body.length; i += PIECE) {
              out.write(body, i, Math.min(PIECE, body.length - i));
              out.flush();
              Thread.sleep(pauseMillis);
            }
          } catch (InterruptedException | IOException e) {
            // the client (berth) went away or the test ended
          }
        });
    server.start();
  }

  /** Serves {@code body} in 256 KiB pieces, pausing {@code pauseMillis} after each. */
  static SlowUpstream serving(byte[] body, long pauseMillis) throws IOException {
    return new SlowUpstream(body, pauseMillis);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
