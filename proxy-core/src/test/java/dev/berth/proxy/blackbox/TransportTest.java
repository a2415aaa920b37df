package dev.berth.proxy.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vertx.core.net.SelfSignedCertificate;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry listener's transports: HTTPS with HTTP/2 chosen by ALPN (HTTP/1.1 still served), a
 * renewed certificate picked up without a restart, and HTTP/2 in clear text (h2c) without TLS.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportTest {
  @TempDir Path dir;
  private RunningBerth berth;

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
  }

  @Test
  void https_negotiatesHttp2ByAlpn_servesHttp1Too_andReloadsARenewedCertificate() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    install(SelfSignedCertificate.create("localhost"), cert, key);
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream("upstream.test", "http://127.0.0.1:9", "if-not-present")
                + "tls:\n  cert: "
                + cert
                + "\n  key: "
                + key
                + "\n");
    URI v2 = URI.create("https://localhost:" + berth.url("/").getPort() + "/v2/");

    HttpResponse<String> h2 = get(client(HttpClient.Version.HTTP_2), v2);
    assertEquals(200, h2.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, h2.version(), "ALPN chose HTTP/2");
    HttpResponse<String> h1 = get(client(HttpClient.Version.HTTP_1_1), v2);
    assertEquals(200, h1.statusCode());
    assertEquals(HttpClient.Version.HTTP_1_1, h1.version());

    BigInteger before = serial(h2);
    install(SelfSignedCertificate.create("localhost"), cert, key);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    BigInteger now = before;
    while (now.equals(before) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      // A new client: a new connection, so a new handshake.
      now = serial(get(client(HttpClient.Version.HTTP_1_1), v2));
    }
    assertNotEquals(before, now, "the renewed certificate was not picked up");
  }

  @Test
  void plainHttp_upgradesToH2c_andKeepsHttp1() throws Exception {
    berth =
        RunningBerth.start(
            dir, RunningBerth.oneUpstream("upstream.test", "http://127.0.0.1:9", "if-not-present"));

    HttpResponse<String> h2c =
        get(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(), berth.url("/v2/"));
    assertEquals(200, h2c.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, h2c.version(), "the h2c upgrade was accepted");
    HttpResponse<String> h1 =
        get(
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(),
            berth.url("/v2/"));
    assertEquals(HttpClient.Version.HTTP_1_1, h1.version());
  }

  private static void install(SelfSignedCertificate generated, Path cert, Path key)
      throws Exception {
    // Written beside and moved into place, as a renewal tool does (never a half-written file).
    Path newCert = Files.copy(Path.of(generated.certificatePath()), cert.resolveSibling("new.crt"));
    Path newKey = Files.copy(Path.of(generated.privateKeyPath()), key.resolveSibling("new.key"));
    Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.move(newCert, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    generated.delete();
  }

  private static BigInteger serial(HttpResponse<?> response) throws Exception {
    return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0])
        .getSerialNumber();
  }

  private static HttpResponse<String> get(HttpClient client, URI uri) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Trusts any certificate: the test checks which one the server presents, not who signed it. */
  private static HttpClient client(HttpClient.Version version) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        new SecureRandom());
    return HttpClient.newBuilder()
        .version(version)
        .sslContext(context)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }
}
