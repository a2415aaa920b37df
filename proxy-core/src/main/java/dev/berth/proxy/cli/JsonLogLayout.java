package dev.berth.proxy.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;

/**
 * berth's own log lines as JSON, one object per line ({@code time}, {@code level}, {@code logger},
 * {@code thread}, {@code message}, {@code exception} when there is one), for log pipelines that
 * parse JSON. The access log is JSON already and keeps its own format.
 */
public final class JsonLogLayout extends LayoutBase<ILoggingEvent> {
  private static final JsonStringEncoder ESCAPE = JsonStringEncoder.getInstance();

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(256);
    line.append("{\"time\":\"").append(Instant.ofEpochMilli(event.getTimeStamp())).append('"');
    field(line, "level", event.getLevel().toString());
    field(line, "logger", event.getLoggerName());
    field(line, "thread", event.getThreadName());
    field(line, "message", event.getFormattedMessage());
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      field(line, "exception", ThrowableProxyUtil.asString(thrown));
    }
    return line.append("}\n").toString();
  }

  private static void field(StringBuilder line, String name, String value) {
    line.append(",\"").append(name).append("\":\"");
    ESCAPE.quoteAsString(value == null ? "" : value, line);
    line.append('"');
  }
}
