package dev.berth.proxy.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * Decides whether an end-to-end test may run on this machine.
 *
 * <p>Why: the e2e suites need real executables ({@code docker-registry}, {@code skopeo}, {@code
 * ctr}, {@code containerd}) that a developer laptop may lack. By default a missing tool skips the
 * test (JUnit assumption), so {@code mvn test} stays green anywhere; CI sets {@code
 * BERTH_E2E=required} so that a missing tool fails loudly instead of silently skipping the suites
 * that matter most.
 *
 * <pre>{@code
 * @BeforeAll
 * static void tools() {
 *   E2eTools.require("docker-registry", "skopeo");
 * }
 * }</pre>
 */
public final class E2eTools {
  /** Environment variable holding the policy; {@value #REQUIRED} makes missing tools fail. */
  public static final String POLICY_ENV = "BERTH_E2E";

  /** The {@link #POLICY_ENV} value that turns a skip into a failure. */
  public static final String REQUIRED = "required";

  /** How to get every tool the fixtures use on Debian or Ubuntu. */
  public static final String INSTALL_HINT = "apt-get install docker-registry skopeo containerd";

  private E2eTools() {}

  /**
   * Skips (or, with {@code BERTH_E2E=required}, fails) the current test unless every tool is an
   * executable on {@code PATH}.
   *
   * @param tools executable names, for example {@code "skopeo"}
   * @throws AssertionError when a tool is missing and the policy is {@value #REQUIRED}
   * @throws org.opentest4j.TestAbortedException when a tool is missing otherwise
   */
  public static void require(String... tools) {
    require(System.getenv(POLICY_ENV), E2eTools::findOnPath, tools);
  }

  /**
   * Skips (or fails, as {@link #require}) unless the JVM runs as root; containerd needs root to own
   * its content store and snapshots.
   *
   * @param why what needs root, for the message
   */
  public static void requireRoot(String why) {
    if (!isRoot()) {
      unavailable(System.getenv(POLICY_ENV), why + " needs root; run the e2e tests as root");
    }
  }

  /** True when {@code BERTH_E2E=required}. */
  public static boolean isRequired() {
    return isRequired(System.getenv(POLICY_ENV));
  }

  /**
   * Finds an executable on {@code PATH}.
   *
   * @param tool the executable name
   * @return its path, or empty when no {@code PATH} entry holds an executable of that name
   */
  public static Optional<Path> findOnPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, tool);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The policy with its inputs injected, so the test can drive both modes. */
  static void require(
      @Nullable String policy, Function<String, Optional<Path>> lookup, String... tools) {
    List<String> missing = new ArrayList<>();
    for (String tool : tools) {
      if (lookup.apply(tool).isEmpty()) {
        missing.add(tool);
      }
    }
    if (!missing.isEmpty()) {
      unavailable(
          policy,
          "e2e tool not on PATH: "
              + String.join(", ", missing)
              + "; install it with `"
              + INSTALL_HINT
              + "`");
    }
  }

  private static void unavailable(@Nullable String policy, String message) {
    if (isRequired(policy)) {
      throw new AssertionError(message + " (" + POLICY_ENV + "=" + REQUIRED + ")");
    }
    Assumptions.abort(
        message + " (skipped; set " + POLICY_ENV + "=" + REQUIRED + " to fail instead)");
  }

  private static boolean isRequired(@Nullable String policy) {
    return policy != null && REQUIRED.equalsIgnoreCase(policy.trim());
  }

  private static boolean isRoot() {
    try {
      // /proc/self is owned by the effective uid of the process looking at it.
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
