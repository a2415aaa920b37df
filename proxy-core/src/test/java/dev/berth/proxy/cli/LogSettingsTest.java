package dev.berth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** {@code --log-format json} lines parse as JSON with every field; bad values are usage errors. */
class LogSettingsTest {

  @Test
  void jsonLayout_oneParsableObjectPerLine_withEscapesAndException() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("dev.berth.test");
    LoggingEvent event =
        new LoggingEvent(
            "fqcn",
            logger,
            Level.WARN,
            "quote \" backslash \\ newline \n tab \t {}",
            new IllegalStateException("boom"),
            new Object[] {"arg"});
    JsonLogLayout layout = new JsonLogLayout();
    layout.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
    String line = layout.doLayout(event);

    assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, line);
    JsonNode json = new ObjectMapper().readTree(line);
    assertEquals("WARN", json.get("level").asText());
    assertEquals("dev.berth.test", json.get("logger").asText());
    assertEquals("quote \" backslash \\ newline \n tab \t arg", json.get("message").asText());
    assertTrue(json.get("exception").asText().contains("IllegalStateException: boom"));
    assertTrue(json.get("time").asText().endsWith("Z"));
  }

  /**
   * Issue 13, defect 14: Caffeine (System.Logger) and java.util.logging printed multi-line plain
   * text in JSON mode. Both now arrive in logback, where the JSON layout renders them.
   */
  @Test
  void platformAndJulLogging_reachLogback() {
    LogSettings.apply(Level.INFO, LogSettings.Format.TEXT);
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
        new ch.qos.logback.core.read.ListAppender<>();
    seen.start();
    root.addAppender(seen);
    try {
      System.getLogger("com.github.benmanes.caffeine.cache.Test")
          .log(System.Logger.Level.WARNING, "platform line", new IllegalStateException("boom"));
      java.util.logging.Logger.getLogger("io.vertx.test")
          .log(java.util.logging.Level.WARNING, "jul line", new IllegalStateException("bang"));
    } finally {
      root.detachAppender(seen);
    }
    java.util.List<String> messages =
        seen.list.stream()
            .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
            .toList();
    assertTrue(messages.contains("platform line"), messages.toString());
    assertTrue(messages.contains("jul line"), messages.toString());
    assertTrue(
        seen.list.stream().allMatch(e -> e.getThrowableProxy() != null),
        "the exceptions travel with the events, for the layout to render");
  }

  @Test
  void levels_parseCaseInsensitively_andRejectOthers() {
    assertEquals(Level.DEBUG, LogSettings.level("Debug"));
    assertThrows(IllegalArgumentException.class, () -> LogSettings.level("loud"));
  }

  @Test
  void serve_badLogOptions_areUsageErrors() {
    StringWriter err = new StringWriter();
    CommandLine cli = BerthCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    assertEquals(2, cli.execute("serve", "--log-format", "xml"));
    assertTrue(
        err.toString().contains("--log-format 'xml': expected text or json"), err.toString());
    assertEquals(2, cli.execute("serve", "--log-level", "loud"));
    assertTrue(err.toString().contains("--log-level 'loud'"), err.toString());
  }
}
