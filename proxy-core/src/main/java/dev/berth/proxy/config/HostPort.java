package dev.berth.proxy.config;

import dev.berth.proxy.text.InvalidValueException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An address to listen on.
 *
 * <p>Grammar: {@code HOST:PORT}, {@code [IPV6]:PORT}, or {@code :PORT} for all (IPv4) interfaces,
 * i.e. {@code 0.0.0.0}. HOST is a host name or an IPv4 address; PORT is 0 to 65535, where 0 asks
 * the system for a free port.
 *
 * @param host a host name or IP address, without brackets
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {
  /** What {@code :PORT} binds to. */
  public static final String ALL_INTERFACES = "0.0.0.0";

  private static final String EXPECTED =
      "expected HOST:PORT such as 0.0.0.0:5000, 127.0.0.1:9090, [::1]:5000 or :5000";
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
              + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(?:%\\w+)?");
  private static final Pattern PORT = Pattern.compile("\\d{1,5}");

  public HostPort {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 0..65535");
    }
  }

  /**
   * Parses an address (grammar in the class comment).
   *
   * @throws InvalidValueException naming the text and the accepted forms
   */
  public static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new InvalidValueException(text, EXPECTED);
    }
    String host = text.substring(0, colon);
    int port = parsePort(text, text.substring(colon + 1));
    if (host.isEmpty()) {
      return new HostPort(ALL_INTERFACES, port);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      String address = host.substring(1, host.length() - 1);
      if (!IPV6.matcher(address).matches()) {
        throw new InvalidValueException(text, "'" + address + "' is not an IPv6 address");
      }
      return new HostPort(address, port);
    }
    if (host.contains(":")) {
      throw new InvalidValueException(text, EXPECTED + " (write IPv6 addresses in brackets)");
    }
    if (!HOST_NAME.matcher(host).matches()) {
      throw new InvalidValueException(text, EXPECTED + " ('" + host + "' is not a host name)");
    }
    return new HostPort(host, port);
  }

  private static int parsePort(String text, String port) {
    if (!PORT.matcher(port).matches()) {
      throw new InvalidValueException(text, EXPECTED);
    }
    int number = Integer.parseInt(port);
    if (number > 65535) {
      throw new InvalidValueException(text, "port " + number + " is outside 0..65535");
    }
    return number;
  }

  /** The address in the grammar {@link #parse} reads, with brackets around IPv6 addresses. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
