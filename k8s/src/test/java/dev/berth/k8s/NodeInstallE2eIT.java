package dev.berth.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.cli.BerthCli;
import dev.berth.proxy.e2e.Containerd;
import dev.berth.proxy.e2e.CriClient;
import dev.berth.proxy.e2e.E2eTools;
import dev.berth.proxy.e2e.InProcessBerth;
import dev.berth.proxy.e2e.LocalRegistry;
import dev.berth.proxy.e2e.PushedImage;
import dev.berth.proxy.e2e.TestImages;
import dev.berth.proxy.server.BerthServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The node install step, run with the arguments the rendered DaemonSet gives its {@code
 * install-mirror} init container, against a real containerd with its CRI plugin (pulls the way a
 * kubelet makes them): pulls go through berth; with berth stopped they fall back to the registry;
 * the documented uninstall ({@code overlays/uninstall}: {@code mirror-config --remove}) leaves the
 * node's containerd directory exactly as it was, the node's own {@code hosts.toml} and a CA file
 * included; pulls still work after it.
 *
 * <p>The node's root is a temporary directory (the pod's {@code /host}); containerd reads {@code
 * config_path} = {@code <node>/etc/containerd/certs.d}, and the node's {@code config.toml} that the
 * step checks says {@code /etc/containerd/certs.d}, as on a node. berth runs in this JVM with the
 * rendered ConfigMap's config plus the test registry as its upstream.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NodeInstallE2eIT {

  @Test
  void installPullThroughFallBackRemove() throws Exception {
    E2eTools.require("docker-registry", "skopeo", "containerd", "ctr");
    E2eTools.requireRoot("a private containerd with CRI");
    List<HasMetadata> objects = Manifests.render("overlays/node");
    DaemonSet ds = Manifests.one(objects, DaemonSet.class);
    Container install =
        ds.getSpec().getTemplate().getSpec().getInitContainers().stream()
            .filter(c -> c.getName().equals("install-mirror"))
            .findFirst()
            .orElseThrow();
    String configYaml = Manifests.one(objects, ConfigMap.class).getData().get("config.yaml");

    Path dir = Files.createTempDirectory("berth-node-e2e-");
    Path node = Files.createDirectories(dir.resolve("node"));
    Path certs = Files.createDirectories(node.resolve("etc/containerd/certs.d"));
    try (LocalRegistry registry = LocalRegistry.startNew()) {
      PushedImage image = TestImages.pushingTo(registry).smallImage("e2e/node-install", "1");
      String ref = registry.hostPort() + "/e2e/node-install:1";
      // The node as it was: its containerd config, its own hosts.toml for the registry, a CA.
      Files.writeString(
          node.resolve("etc/containerd/config.toml"),
          "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
              + "  config_path = \"/etc/containerd/certs.d\"\n");
      Path own = Files.createDirectories(certs.resolve(registry.hostPort()));
      Files.writeString(
          own.resolve("hosts.toml"), "# the node's own\nserver = \"" + registry.url() + "\"\n");
      Files.writeString(
          Files.createDirectories(certs.resolve("quay.io")).resolve("ca.crt"), "a CA\n");
      Map<String, String> before = tree(node);

      Path config =
          Files.writeString(
              dir.resolve("config.yaml"),
              configYaml
                  + "upstreams:\n  - name: "
                  + registry.hostPort()
                  + "\n    url: "
                  + registry.url()
                  + "\n    default: true\n");
      BerthServer berth = InProcessBerth.start(config, dir.resolve("data"));
      try (Containerd containerd = Containerd.startWithCri(certs);
          CriClient cri = CriClient.connect(containerd.socket())) {
        String endpoint = "http://127.0.0.1:" + berth.registryPort();
        String out = berthCli(asOnTheNode(install.getArgs(), node, config, endpoint));
        assertTrue(
            out.contains("containerd reads /etc/containerd/certs.d"),
            "the step checked containerd's config_path: " + out);
        assertTrue(
            Files.readString(own.resolve("hosts.toml")).contains(endpoint),
            "the registry's hosts.toml now names berth");

        cri.pullImage(ref, Optional.empty());
        assertEquals(
            List.of(ref.substring(0, ref.lastIndexOf(':')) + "@" + image.digest()),
            cri.imageStatus(ref).orElseThrow().repoDigests());
        assertTrue(
            BuiltImage.metric(berth.adminPort(), "berth_upstream_downloads_total") >= 1,
            "the pull went through berth");

        // berth down (a restart, an upgrade): the node pulls from the registry itself.
        berth.close();
        cri.removeImage(ref);
        cri.pullImage(ref, Optional.empty());
        assertTrue(cri.imageStatus(ref).isPresent());

        // The documented uninstall (overlays/uninstall) puts the node back, backups included.
        Container remove =
            Manifests.one(Manifests.render("overlays/uninstall"), DaemonSet.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getInitContainers()
                .get(0);
        assertTrue(remove.getArgs().contains("--remove"), remove.getArgs().toString());
        berthCli(asOnTheNode(remove.getArgs(), node, config, endpoint));
        assertEquals(before, tree(node));

        // And pulls still work.
        cri.removeImage(ref);
        cri.pullImage(ref, Optional.empty());
        assertTrue(cri.imageStatus(ref).isPresent());
      } finally {
        berth.close();
      }
    }
  }

  /** The init container's arguments with the pod's paths and berth's port as on this "node". */
  private static List<String> asOnTheNode(
      List<String> args, Path node, Path config, String endpoint) {
    return args.stream()
        .map(
            a ->
                switch (a) {
                  case "/host" -> node.toString();
                  case "/etc/berth/config.yaml" -> config.toString();
                  case "http://127.0.0.1:5000" -> endpoint;
                  default -> a;
                })
        .toList();
  }

  private static String berthCli(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = BerthCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args.toArray(String[]::new));
    assertEquals(0, code, "berth " + args + "\n" + out + err);
    assertEquals("", err.toString(), "no warning from berth " + args);
    return out.toString();
  }

  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.toList()) {
        files.put(
            root.relativize(p).toString(), Files.isDirectory(p) ? "<dir>" : Files.readString(p));
      }
    }
    return files;
  }
}
