package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.storage.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The JSON access log: one line per request with the agreed fields, and never a secret. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessLogTest {
  private static final String SECRET = "s3cr3t-password";

  @TempDir Path dir;
  private WireMockServer upstream;
  private RunningBerth berth;
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger access = (Logger) LoggerFactory.getLogger("berth.access");

  @BeforeEach
  void start() throws Exception {
    lines.start();
    access.addAppender(lines);
    // Tests log at WARN (logback-test.xml); berth's own logback.xml has the access log at INFO.
    access.setLevel(Level.INFO);
    access.setAdditive(false);
    upstream = new WireMockServer(options().dynamicPort());
    upstream.start();
    berth =
        RunningBerth.start(
            dir,
            RunningBerth.oneUpstream(
                "upstream.test", "http://127.0.0.1:" + upstream.port(), "if-not-present"));
  }

  @AfterEach
  void stop() {
    access.detachAppender(lines);
    access.setLevel(null);
    access.setAdditive(true);
    berth.close();
    upstream.stop();
  }

  @Test
  void aLinePerRequest_withRouteRepositoryReferenceStatusBytesAndCacheOutcome() throws Exception {
    byte[] blob = "layer bytes".getBytes(StandardCharsets.UTF_8);
    String path = "/v2/team/app/blobs/" + Digest.sha256Of(blob);
    upstream.stubFor(get(urlEqualTo(path)).willReturn(aResponse().withStatus(200).withBody(blob)));
    String basic =
        "Basic "
            + java.util.Base64.getEncoder()
                .encodeToString(("alice:" + SECRET).getBytes(StandardCharsets.UTF_8));

    assertEquals(
        200,
        berth.get(path + "?ns=upstream.test&token=" + SECRET, "Authorization", basic).statusCode());
    assertEquals(200, berth.get(path).statusCode());

    // A line is written when the response has ended, which can be just after the client has it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (lines.list.size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    List<JsonNode> logged = logged();
    assertEquals(2, logged.size(), logged.toString());
    JsonNode miss = logged.get(0);
    assertEquals("GET", miss.get("method").asText());
    assertEquals("blob", miss.get("route").asText());
    assertEquals("upstream.test", miss.get("upstream").asText());
    assertEquals("team/app", miss.get("repository").asText());
    assertEquals(Digest.sha256Of(blob).toString(), miss.get("reference").asText());
    assertEquals(200, miss.get("status").asInt());
    assertEquals(blob.length, miss.get("bytes").asLong());
    assertEquals("miss", miss.get("cache").asText());
    assertEquals("127.0.0.1", miss.get("client").asText());
    assertTrue(miss.get("duration_ms").asDouble() >= 0);
    assertTrue(miss.get("time").asText().endsWith("Z"));
    assertEquals("hit", logged.get(1).get("cache").asText());

    for (ILoggingEvent e : lines.list) {
      assertFalse(e.getFormattedMessage().contains(SECRET), "a secret reached the access log");
      assertFalse(
          e.getFormattedMessage().contains("Basic "), "a credential reached the access log");
    }
  }

  private List<JsonNode> logged() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> out = new java.util.ArrayList<>();
    for (ILoggingEvent e : List.copyOf(lines.list)) {
      out.add(json.readTree(e.getFormattedMessage()));
    }
    return out;
  }
}
