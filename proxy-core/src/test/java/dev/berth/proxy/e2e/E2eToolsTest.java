package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class E2eToolsTest {
  private static final Function<String, Optional<Path>> ONLY_SKOPEO =
      tool -> tool.equals("skopeo") ? Optional.of(Path.of("/usr/bin/skopeo")) : Optional.empty();

  @Test
  void require_allPresent_passes() {
    assertDoesNotThrow(() -> E2eTools.require("required", ONLY_SKOPEO, "skopeo"));
  }

  @Test
  void require_missingWhenRequired_failsNamingToolAndInstall() {
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> E2eTools.require("required", ONLY_SKOPEO, "skopeo", "ctr"));
    assertTrue(e.getMessage().contains("ctr"), e.getMessage());
    assertTrue(e.getMessage().contains(E2eTools.INSTALL_HINT), e.getMessage());
  }

  @Test
  void require_missingByDefault_skipsNamingTool() {
    TestAbortedException e =
        assertThrows(
            TestAbortedException.class, () -> E2eTools.require(null, ONLY_SKOPEO, "containerd"));
    assertTrue(e.getMessage().contains("containerd"), e.getMessage());
  }

  @Test
  void require_otherPolicyValue_skips() {
    assertThrows(
        TestAbortedException.class, () -> E2eTools.require("1", ONLY_SKOPEO, "docker-registry"));
  }

  @Test
  void findOnPath_shell_found() {
    assertTrue(E2eTools.findOnPath("sh").isPresent());
    assertTrue(E2eTools.findOnPath("no-such-tool-berth").isEmpty());
  }

  @Test
  void next_twice_distinctBindablePorts() throws Exception {
    int a = FreePorts.next();
    int b = FreePorts.next();
    assertTrue(a != b);
    try (var socket = new java.net.ServerSocket(a, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertTrue(socket.isBound());
    }
  }
}
