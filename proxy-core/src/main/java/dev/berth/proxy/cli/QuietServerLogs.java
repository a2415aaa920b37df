package dev.berth.proxy.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * For commands that run a server inside them (standalone prefetch): its per-request access lines
 * and start/stop notes would bury the command's own output. Warnings and errors still show.
 */
final class QuietServerLogs {
  private QuietServerLogs() {}

  static void apply() {
    ((Logger) LoggerFactory.getLogger("berth.access")).setLevel(Level.OFF);
    ((Logger) LoggerFactory.getLogger("dev.berth")).setLevel(Level.WARN);
  }
}
