package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.cli.BerthCli;
import dev.berth.proxy.server.BerthServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The containerd files {@code berth mirror-config} writes, used by real containerd: {@code ctr}
 * with {@code --hosts-dir} on the generated directory pulls through berth (routed by {@code ns=}),
 * and with berth stopped it falls back to the registry itself. Digests must equal the upstream's.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MirrorConfigE2eIT {

  @Test
  void containerd_pullsThroughBerth_andFallsBackToTheRegistryWhenBerthIsDown() throws Exception {
    E2eTools.require("docker-registry", "skopeo", "containerd", "ctr");
    E2eTools.requireRoot("containerd");
    Path dir = Files.createTempDirectory("berth-mirror-e2e-");
    try (LocalRegistry registry = LocalRegistry.startNew()) {
      PushedImage small = TestImages.pushingTo(registry).smallImage("e2e/mirrored", "1");
      Path config =
          Files.writeString(
              dir.resolve("berth.yaml"),
              "upstreams:\n  - name: "
                  + registry.hostPort()
                  + "\n    url: "
                  + registry.url()
                  + "\n    default: true\n");
      BerthServer berth = InProcessBerth.start(config, dir.resolve("data"));
      Path hosts = dir.resolve("certs.d");
      try {
        StringWriter out = new StringWriter();
        CommandLine cli = BerthCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertEquals(
            0,
            cli.execute(
                "mirror-config",
                "--runtime",
                "containerd",
                "--config",
                config.toString(),
                "--endpoint",
                "http://127.0.0.1:" + berth.registryPort(),
                "--output",
                hosts.toString()),
            out.toString());

        // A real client lists the tags through berth (issue 13, defect 1: berth never answered).
        String listed =
            Command.run(
                    List.of(
                        "skopeo",
                        "list-tags",
                        "--tls-verify=false",
                        "docker://127.0.0.1:" + berth.registryPort() + "/e2e/mirrored"),
                    java.util.Map.of(),
                    java.time.Duration.ofSeconds(30))
                .stdout();
        assertTrue(listed.contains("\"1\""), listed);

        String ref = registry.hostPort() + "/e2e/mirrored:1";
        try (Containerd containerd = Containerd.start()) {
          assertEquals(small.digest(), containerd.pull(ref, hosts, true));
          assertTrue(containerd.isComplete(ref));
          assertTrue(
              metric(berth, "berth_upstream_downloads_total") >= 1,
              "the layers came through berth");

          berth.close(); // berth down: containerd must fall back to the registry (server = ...)
          containerd.removeImage(ref);
          assertEquals(small.digest(), containerd.pull(ref, hosts, true));
          assertTrue(containerd.isComplete(ref));
        }
      } finally {
        berth.close();
      }
    } finally {
      Files2.deleteRecursively(dir);
    }
  }

  private static double metric(BerthServer berth, String name) throws Exception {
    String text =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + berth.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return -1;
  }
}
