package dev.berth.proxy.cli;

import dev.berth.proxy.config.BerthConfig;
import dev.berth.proxy.config.HostPort;
import dev.berth.proxy.server.BerthServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * {@code serve --dry-run}'s check that a started berth answers: its admin {@code /readyz} and the
 * registry's {@code /v2/}, asked over the sockets it bound, as a kubelet probe and a runtime would.
 */
final class DryRun {
  private static final int TIMEOUT_MILLIS = 5_000;

  private DryRun() {}

  /**
   * @throws DryRunFailedException naming the address and what it answered
   */
  static void probe(BerthConfig config, BerthServer server) {
    expect(url(config.admin(), server.adminPort(), "/readyz"), 200);
    // Under tenancy verify an anonymous version check is challenged: 401 is a working registry.
    expect(url(config.listen(), server.registryPort(), "/v2/"), 200, 401);
  }

  /** {@code path} at a listener bound as {@code configured} (a wildcard is asked on loopback). */
  static URI url(HostPort configured, int port, String path) {
    String host = configured.host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      host = "127.0.0.1"; // a wildcard listener answers on loopback
    } else if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + port + path);
  }

  private static void expect(URI url, int... statuses) {
    try {
      HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
      c.setConnectTimeout(TIMEOUT_MILLIS);
      c.setReadTimeout(TIMEOUT_MILLIS);
      int status = c.getResponseCode();
      try (InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream()) {
        if (body != null) {
          body.readAllBytes();
        }
      }
      for (int ok : statuses) {
        if (status == ok) {
          return;
        }
      }
      throw new DryRunFailedException(url + " answered " + status);
    } catch (IOException e) {
      throw new DryRunFailedException(url + " did not answer: " + e.getMessage());
    }
  }

  /** The dry run found berth started but not answering as it should. */
  static final class DryRunFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DryRunFailedException(String message) {
      super("dry run: " + message);
    }
  }
}
