package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out loopback TCP ports that nothing listens on.
 *
 * <p>Why: every e2e process binds {@code 127.0.0.1:<port>} so that suites can run in parallel and
 * next to whatever already runs on the machine. The port is found by binding port 0 and closing, so
 * another process could still take it before the caller binds; ports already handed out by this JVM
 * are never handed out twice, which removes the common race between two fixtures started back to
 * back. A port from here with nothing started on it is also a reliable "dead" endpoint (connection
 * refused).
 *
 * <pre>{@code
 * int port = FreePorts.next();
 * }</pre>
 */
public final class FreePorts {
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /**
   * Returns a loopback TCP port that was free a moment ago and was not returned before by this JVM.
   *
   * @return a port number in the ephemeral range
   */
  public static int next() {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = socket.getLocalPort();
        if (HANDED_OUT.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind a loopback port", e);
      }
    }
    throw new IllegalStateException("no fresh loopback port after 50 attempts");
  }
}
