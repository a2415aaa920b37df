package dev.berth.proxy.blackbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream that answers at the byte level, one thread per connection, for behaviour no HTTP
 * server library produces on purpose: bodies that never end, lie about their length or stop. Each
 * connection's request line goes to {@code behaviour}, which writes whatever it likes; sockets stay
 * open until {@link #close} unless the behaviour closes them.
 */
final class RawUpstream implements AutoCloseable {
  /** Writes an answer to one request. */
  interface Behaviour {
    void answer(String requestLine, OutputStream out) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  final List<String> requests = new CopyOnWriteArrayList<>();

  RawUpstream(Behaviour behaviour) throws IOException {
    server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket socket = server.accept();
                  sockets.add(socket);
                  Thread t = new Thread(() -> serve(socket, behaviour), "raw-upstream-conn");
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "raw-upstream");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve(Socket socket, Behaviour behaviour) {
    try {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      while (true) {
        String requestLine = in.readLine();
        if (requestLine == null) {
          return;
        }
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
          // headers
        }
        requests.add(requestLine);
        behaviour.answer(requestLine, socket.getOutputStream());
        socket.getOutputStream().flush();
      }
    } catch (IOException | InterruptedException e) {
      // berth hung up, or the test ended
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  static byte[] head(String status, String... headers) {
    StringBuilder b = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
    for (String h : headers) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Writes chunks of {@code chunk} forever (until berth hangs up). */
  static void endlessChunks(OutputStream out, byte[] chunk) throws IOException {
    byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] crlf = {'\r', '\n'};
    while (true) {
      out.write(size);
      out.write(chunk);
      out.write(crlf);
    }
  }

  /** Writes {@code body} as chunks of {@code size} bytes, then the last chunk. */
  static void chunks(OutputStream out, byte[] body, int size) throws IOException {
    for (int off = 0; off < body.length; off += size) {
      int n = Math.min(size, body.length - off);
      out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, off, n);
      out.write(new byte[] {'\r', '\n'});
    }
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
