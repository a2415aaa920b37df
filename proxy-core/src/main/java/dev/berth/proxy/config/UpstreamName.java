package dev.berth.proxy.config;

import dev.berth.proxy.text.InvalidValueException;
import java.util.regex.Pattern;

/**
 * Checks an upstream name against the registry host grammar of OCI distribution's reference
 * package, since clients send exactly such hosts in {@code ns=} and in image paths:
 *
 * <pre>
 * domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 * domain-name      := domain-component ('.' domain-component)*      (includes localhost, IPv4)
 * host             := domain-name | '[' IPv6 address ']'
 * name             := host (':' port)?                               (port 1..65535)
 * </pre>
 */
final class UpstreamName {
  private static final String COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern NAME =
      Pattern.compile(
          "(?:" + COMPONENT + "(?:\\." + COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])(?::(\\d{1,5}))?");
  private static final String EXPECTED =
      "expected a registry host[:port] such as docker.io, registry.internal:5000 or [::1]:5000";

  private UpstreamName() {}

  static String check(String name) {
    var matcher = NAME.matcher(name);
    if (!matcher.matches()) {
      throw new InvalidValueException(name, EXPECTED);
    }
    String port = matcher.group(1);
    if (port != null && (Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535)) {
      throw new InvalidValueException(name, "port " + port + " is outside 1..65535");
    }
    return name;
  }
}
