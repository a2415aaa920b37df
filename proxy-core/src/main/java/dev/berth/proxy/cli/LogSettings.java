package dev.berth.proxy.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * {@code --log-level} and {@code --log-format} of {@code berth serve}, applied to logback at start
 * (the same as {@code -Dberth.log-level}, which logback.xml reads, plus a JSON format).
 */
final class LogSettings {
  private LogSettings() {}

  /** The formats {@code --log-format} accepts. */
  enum Format {
    TEXT,
    JSON
  }

  static Level level(String text) {
    Level level = Level.toLevel(text.toUpperCase(Locale.ROOT), null);
    if (level == null) {
      throw new IllegalArgumentException(
          "'" + text + "': expected one of error, warn, info, debug, trace, off");
    }
    return level;
  }

  static void apply(Level level, Format format) {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    // java.util.logging writes multi-line plain text to stderr by itself; routed into SLF4J its
    // records take the chosen format like every other line (issue 13, defect 14). System.Logger
    // (Caffeine) reaches SLF4J through slf4j-jdk-platform-logging on the class path.
    if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
      org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
      org.slf4j.bridge.SLF4JBridgeHandler.install();
    }
    if (format == Format.TEXT) {
      return;
    }
    LoggerContext context = root.getLoggerContext();
    Appender<ILoggingEvent> appender = root.getAppender("CONSOLE");
    if (appender instanceof ConsoleAppender<ILoggingEvent> console) {
      JsonLogLayout layout = new JsonLogLayout();
      layout.setContext(context);
      layout.start();
      LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
      encoder.setContext(context);
      encoder.setLayout(layout);
      encoder.start();
      console.stop();
      console.setEncoder(encoder);
      console.start();
    }
  }
}
