package dev.berth.proxy.server;

import dev.berth.proxy.config.TlsConfig;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Swaps the registry listeners' certificate when its files change (cert-manager and friends rewrite
 * them before expiry). A pair that does not load is refused and the current one stays in use;
 * connections already open keep theirs.
 */
final class TlsReloader {
  private static final Logger log = LoggerFactory.getLogger(TlsReloader.class);

  private final TlsConfig tls;
  private final List<HttpServer> servers;
  private String seen;

  TlsReloader(TlsConfig tls, List<HttpServer> servers) {
    this.tls = tls;
    this.servers = servers;
    this.seen = fingerprint();
  }

  static PemKeyCertOptions keyCert(TlsConfig tls) {
    return new PemKeyCertOptions()
        .setCertPath(tls.cert().toString())
        .setKeyPath(tls.key().toString());
  }

  /** Checks the files once; blocking (file metadata), so call it from a worker. */
  void reloadIfChanged() {
    String now = fingerprint();
    if (Objects.equals(now, seen)) {
      return;
    }
    seen = now;
    ServerSSLOptions options = new ServerSSLOptions().setKeyCertOptions(keyCert(tls));
    for (HttpServer server : servers) {
      server
          // Forced: the paths did not change, only the files, and unforced Vert.x would compare the
          // options, find them equal and keep the old certificate.
          .updateSSLOptions(options, true)
          .onSuccess(
              updated -> {
                if (updated) {
                  log.info("TLS certificate reloaded from {} and {}", tls.cert(), tls.key());
                }
              })
          .onFailure(
              e ->
                  log.warn(
                      "TLS certificate in {} / {} not reloaded, keeping the previous one: {}",
                      tls.cert(),
                      tls.key(),
                      e.getMessage()));
    }
  }

  /** Modification time and size of both files; changes when either is rewritten or replaced. */
  private String fingerprint() {
    return stamp(tls.cert()) + "|" + stamp(tls.key());
  }

  private static String stamp(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file);
    } catch (IOException e) {
      return "missing";
    }
  }
}
