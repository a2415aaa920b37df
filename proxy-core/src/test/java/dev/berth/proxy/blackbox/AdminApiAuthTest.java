package dev.berth.proxy.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.proxy.server.ServerStartException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The admin listener with its token: {@code /metrics}, {@code /healthz} and {@code /readyz} open,
 * everything else (the cache API, reads included) 401 without {@code Authorization: Bearer} and the
 * token berth created in its data directory; refusals counted; the token in no log line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminApiAuthTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG =
      RunningBerth.oneUpstream("upstream.test", "http://127.0.0.1:9", "if-not-present");

  /** Every admin API request there is, reads and changes. */
  private static final List<String[]> ADMIN_API =
      List.of(
          new String[] {"GET", "/admin/cache"},
          new String[] {"GET", "/admin/cache?repository=app"},
          new String[] {"DELETE", "/admin/cache?repository=app"},
          new String[] {"POST", "/admin/gc"},
          new String[] {"GET", "/admin/pins"},
          new String[] {"PUT", "/admin/pins?image=upstream.test/app:1"},
          new String[] {"DELETE", "/admin/pins?image=upstream.test/app:1"});

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private Level rootLevel;
  private RunningBerth berth;

  @BeforeEach
  void captureLog() {
    rootLevel = root.getLevel();
    lines.start();
    root.addAppender(lines);
  }

  @AfterEach
  void stop() {
    if (berth != null) {
      berth.close();
    }
    root.detachAppender(lines);
    root.setLevel(rootLevel);
  }

  private HttpResponse<String> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(berth.admin(path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminApi_withoutToken_401WithBearerChallengeAndJsonError() throws Exception {
    berth = RunningBerth.start(dir, CONFIG);

    for (String[] call : ADMIN_API) {
      HttpResponse<String> refused = send(call[0], call[1]);

      String what = call[0] + " " + call[1];
      assertEquals(401, refused.statusCode(), what);
      assertEquals(
          Optional.of("Bearer realm=\"berth-admin\""),
          refused.headers().firstValue("WWW-Authenticate"),
          what);
      assertEquals(Optional.of("application/json"), refused.headers().firstValue("Content-Type"));
      JsonNode body = JSON.readTree(refused.body());
      assertTrue(body.path("error").asText().contains("Authorization: Bearer"), refused.body());
    }
    // Closed by default: a path no route serves answers the same, not 404.
    assertEquals(401, send("GET", "/admin/nothing-here").statusCode());
    assertEquals(401, send("GET", "/anything").statusCode());
    Double missing =
        MetricsValuesTest.scrape(berth.metrics())
            .get("berth_admin_unauthorized_total{reason=\"missing\"}");
    assertEquals(ADMIN_API.size() + 2.0, missing);
  }

  @Test
  void adminApi_wrongToken_401InvalidToken() throws Exception {
    berth = RunningBerth.start(dir, CONFIG);
    String right = berth.adminAuthorization();

    for (String wrong :
        List.of(
            "Bearer not-the-token",
            right + "x",
            right.substring(0, right.length() - 1),
            "Basic " + right.substring("Bearer ".length()),
            right.toUpperCase(java.util.Locale.ROOT).replace("BEARER", "Bearer"))) {
      HttpResponse<String> refused = send("GET", "/admin/cache", "Authorization", wrong);

      assertEquals(401, refused.statusCode(), wrong);
      assertFalse(refused.body().contains(right.substring(7)), "token echoed: " + refused.body());
    }
    HttpResponse<String> refused = send("POST", "/admin/gc", "Authorization", "Bearer nope");
    assertEquals(
        Optional.of("Bearer realm=\"berth-admin\", error=\"invalid_token\""),
        refused.headers().firstValue("WWW-Authenticate"));
    var metrics = MetricsValuesTest.scrape(berth.metrics());
    assertEquals(5.0, metrics.get("berth_admin_unauthorized_total{reason=\"invalid\"}"));
    // "Basic <token>" is no bearer token at all.
    assertEquals(1.0, metrics.get("berth_admin_unauthorized_total{reason=\"missing\"}"));
  }

  @Test
  void adminApi_withTheTokenFromTheFile_serves() throws Exception {
    berth = RunningBerth.start(dir, CONFIG);

    for (String[] call : ADMIN_API) {
      HttpResponse<String> answer = berth.adminSend(call[0], call[1]);

      // 200, or the cache's own answer (404: nothing cached to purge or unpin), never 401.
      String what = call[0] + " " + call[1] + ": " + answer.body();
      assertTrue(answer.statusCode() == 200 || answer.statusCode() == 404, what);
      JSON.readTree(answer.body());
    }
    assertEquals(200, berth.adminSend("GET", "/admin/cache").statusCode());
    assertEquals(200, berth.adminSend("POST", "/admin/gc").statusCode());
  }

  @Test
  void metricsHealthzReadyz_stayOpen() throws Exception {
    berth = RunningBerth.start(dir, CONFIG);

    assertEquals(200, send("GET", "/metrics").statusCode());
    assertTrue(send("GET", "/metrics").body().contains("berth_admin_unauthorized_total"));
    assertEquals(200, send("GET", "/healthz").statusCode());
    assertEquals(200, send("GET", "/readyz").statusCode());
    // With a wrong token too: Prometheus may be configured with some other credential.
    assertEquals(200, send("GET", "/metrics", "Authorization", "Bearer other").statusCode());
  }

  @Test
  void dotSegments_judgedOnThePathTheRoutesSee() throws Exception {
    berth = RunningBerth.start(dir, CONFIG);

    // Sent as typed: java.net.URI would keep the dots, but not every client does.
    String response = raw("GET /metrics/../admin/cache HTTP/1.1");

    assertTrue(response.startsWith("HTTP/1.1 401"), response);
  }

  @Test
  void tokenFile_createdOnFirstStart_0600_andReusedOnTheNext() throws Exception {
    berth = RunningBerth.start(dir, CONFIG);
    Path file = dir.resolve("data").resolve("admin-token");
    assertEquals(file, berth.adminTokenFile());
    String first = Files.readString(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String authorization = berth.adminAuthorization();
    berth.close();

    berth = RunningBerth.start(dir, CONFIG);

    assertEquals(first, Files.readString(file));
    assertEquals(
        200,
        send("GET", "/admin/pins", "Authorization", authorization).statusCode(),
        "the token of the first start still works");
  }

  @Test
  void adminTokenFileKey_operatorsOwnToken_isUsed() throws Exception {
    Path file = Files.writeString(dir.resolve("mounted-secret"), "from-a-k8s-secret\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));

    berth = RunningBerth.start(dir, CONFIG + "admin-token-file: " + file + "\n");

    assertEquals(
        200, send("GET", "/admin/pins", "Authorization", "Bearer from-a-k8s-secret").statusCode());
    assertFalse(Files.exists(dir.resolve("data").resolve("admin-token")));
  }

  @Test
  void emptyTokenFile_stopsStartNamingTheKeyAndPath() throws Exception {
    Path file = Files.writeString(dir.resolve("empty-token"), "\n");

    ServerStartException e =
        assertThrows(
            ServerStartException.class,
            () -> RunningBerth.start(dir, CONFIG + "admin-token-file: " + file + "\n"));

    assertTrue(e.getMessage().startsWith("admin-token-file: "), e.getMessage());
    assertTrue(e.getMessage().contains(file + " is empty"), e.getMessage());
  }

  @Test
  void theToken_isInNoLogLine() throws Exception {
    // Everything berth, Vert.x and Netty log, down to DEBUG, to show the token is in none of it.
    root.setLevel(Level.DEBUG);
    berth = RunningBerth.start(dir, CONFIG);
    String authorization = berth.adminAuthorization();
    String token = authorization.substring("Bearer ".length());

    send("GET", "/admin/cache", "Authorization", authorization);
    send("GET", "/admin/cache", "Authorization", authorization + "-wrong");
    send("DELETE", "/admin/cache?digest=sha256:zz", "Authorization", authorization);
    send("GET", "/metrics", "Authorization", authorization);
    berth.close();
    berth = null;

    List<String> logged =
        lines.list.stream()
            .map(
                e ->
                    e.getFormattedMessage()
                        + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage()))
            .toList();
    assertTrue(
        logged.stream().anyMatch(l -> l.contains(dir.resolve("data/admin-token").toString())),
        "the path is logged");
    for (String line : logged) {
      assertFalse(line.contains(token), "the token is logged: " + line);
    }
  }

  private String raw(String requestLine) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", berth.admin("/").getPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              (requestLine + "\r\nHost: berth\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
