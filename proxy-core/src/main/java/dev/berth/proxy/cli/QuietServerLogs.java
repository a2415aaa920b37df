package dev.berth.proxy.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * For commands that run server parts inside them (standalone prefetch, gc): the access lines and
 * the info notes those parts log would bury, or repeat, the command's own output. Warnings and
 * errors still show.
 */
final class QuietServerLogs {
  private QuietServerLogs() {}

  static void apply() {
    ((Logger) LoggerFactory.getLogger("berth.access")).setLevel(Level.OFF);
    ((Logger) LoggerFactory.getLogger("dev.berth")).setLevel(Level.WARN);
  }
}
