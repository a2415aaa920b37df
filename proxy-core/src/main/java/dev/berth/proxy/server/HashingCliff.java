package dev.berth.proxy.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Warns when the JVM may hash at a fraction of its speed (issue 14): on x86-64 CPUs with AVX-512
 * and SHA-NI, JIT code using AVX-512 next to the SHA-256 intrinsic's legacy-SSE instructions made
 * some processes hash ~10x slower than others, so a cold pull took 13 s instead of 1.3 s. {@code
 * -XX:UseAVX=2} avoids it; the launcher and the benchmarks pass it, and a plain {@code java -jar}
 * gets this warning instead.
 */
final class HashingCliff {
  private HashingCliff() {}

  /** The warning for this JVM and CPU, if any. */
  static Optional<String> warning() {
    String useAvx;
    try {
      useAvx =
          ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
              .getVMOption("UseAVX")
              .getValue();
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      return Optional.empty(); // no such option: not HotSpot on x86
    }
    return warning(System.getProperty("os.arch", ""), useAvx, cpuFlags());
  }

  /**
   * @param arch {@code os.arch}
   * @param useAvx the value of {@code -XX:UseAVX}
   * @param cpuFlags the {@code flags} line of {@code /proc/cpuinfo}, empty when unknown
   */
  static Optional<String> warning(String arch, String useAvx, String cpuFlags) {
    boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
    int level;
    try {
      level = Integer.parseInt(useAvx.trim());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    String flags = " " + cpuFlags + " ";
    if (!x86 || level <= 2 || !flags.contains(" avx512f ") || !flags.contains(" sha_ni ")) {
      return Optional.empty();
    }
    return Optional.of(
        "this CPU has AVX-512 and SHA-NI and the JVM runs with -XX:UseAVX="
            + level
            + ": SHA-256 over downloads can run ~10x slower in some processes; start the JVM with"
            + " -XX:UseAVX=2 (./berth does)");
  }

  private static String cpuFlags() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("flags")).findFirst().orElse("");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
