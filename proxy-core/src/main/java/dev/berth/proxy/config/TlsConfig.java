package dev.berth.proxy.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS for the registry listener: HTTPS with HTTP/2 and HTTP/1.1 offered over ALPN. The files are
 * read again when they change (a renewed certificate needs no restart).
 *
 * @param cert PEM certificate chain, leaf first
 * @param key PEM private key (PKCS#8 or PKCS#1)
 */
public record TlsConfig(Path cert, Path key) {
  public TlsConfig {
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
  }
}
