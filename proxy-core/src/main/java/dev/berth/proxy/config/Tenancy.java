package dev.berth.proxy.config;

import dev.berth.proxy.text.InvalidValueException;
import java.util.Locale;

/** Whether cached private content is re-checked against each client's own credentials. */
public enum Tenancy {
  /**
   * Content of a repository the upstream does not serve anonymously is served only to clients the
   * upstream accepts for it: one tenant's private image never reaches another through the cache.
   */
  VERIFY,
  /** Every client may read everything cached (a single-tenant node). */
  OPEN;

  /**
   * Parses {@code verify} or {@code open}.
   *
   * @throws InvalidValueException for anything else
   */
  public static Tenancy parse(String text) {
    for (Tenancy tenancy : values()) {
      if (tenancy.configName().equals(text)) {
        return tenancy;
      }
    }
    throw new InvalidValueException(text, "expected verify or open");
  }

  /** The config form: {@code verify} or {@code open}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
