package dev.berth.proxy.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@code config_path} check on the config files containerd's own documentation shows
 * (docs/hosts.md, "CRI") and on the forms node images ship (EKS sets two directories; k3s leaves it
 * empty).
 */
class ContainerdConfigPathTest {
  private static final String CERTS = "/etc/containerd/certs.d";

  @Test
  void version3_containerd2() {
    String toml =
        """
        version = 3

        [plugins."io.containerd.cri.v1.images".registry]
           config_path = "/etc/containerd/certs.d"
        """;
    assertEquals(List.of(CERTS), ContainerdConfigPath.configPaths(toml));
    assertTrue(ContainerdConfigPath.check(Optional.of(toml), "config.toml", CERTS).ok());
  }

  @Test
  void version2_containerd1_withSeveralDirectories() {
    String toml =
        """
        version = 2
        [plugins."io.containerd.grpc.v1.cri".registry]
        config_path = "/etc/containerd/certs.d:/etc/docker/certs.d" # EKS
        """;
    ContainerdConfigPath.Check check =
        ContainerdConfigPath.check(Optional.of(toml), "config.toml", CERTS + "/");
    assertTrue(check.ok(), check.message());
  }

  @Test
  void version1_shortNames_andDottedKeys() {
    assertEquals(
        List.of("/a"),
        ContainerdConfigPath.configPaths("[plugins.cri.registry]\n  config_path = '/a'\n"));
    assertEquals(
        List.of("/b"),
        ContainerdConfigPath.configPaths(
            "[plugins]\n  \"io.containerd.grpc.v1.cri\".registry.config_path = \"/b\"\n"));
  }

  @Test
  void otherTablesAndCommentsAreNotTheKey() {
    String toml =
        """
        [plugins."io.containerd.grpc.v1.cri".registry]
          # config_path = "/etc/containerd/certs.d"
        [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
          config_path = "/etc/containerd/certs.d"
        [other]
          config_path = "/etc/containerd/certs.d"
        """;
    assertEquals(List.of(), ContainerdConfigPath.configPaths(toml));
    ContainerdConfigPath.Check check =
        ContainerdConfigPath.check(Optional.of(toml), "/etc/containerd/config.toml", CERTS);
    assertFalse(check.ok());
    assertTrue(
        check.message().contains("does not set the CRI registry config_path"), check.message());
  }

  @Test
  void emptyOrOtherDirectory_saysWhatToSet() {
    ContainerdConfigPath.Check empty =
        ContainerdConfigPath.check(
            Optional.of("[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"\"\n"),
            "/etc/containerd/config.toml",
            CERTS);
    assertFalse(empty.ok());
    assertTrue(
        empty.message().contains("config_path = \"" + CERTS + "\" under [plugins."),
        empty.message());

    ContainerdConfigPath.Check other =
        ContainerdConfigPath.check(
            Optional.of("[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"/x\"\n"),
            "/etc/containerd/config.toml",
            CERTS);
    assertFalse(other.ok());
    assertTrue(other.message().startsWith("containerd does not read " + CERTS), other.message());
  }

  @Test
  void noConfigFile_cannotBeSure() {
    ContainerdConfigPath.Check check =
        ContainerdConfigPath.check(Optional.empty(), "/etc/containerd/config.toml", CERTS);
    assertFalse(check.ok());
    assertTrue(check.message().contains("does not exist"), check.message());
  }
}
