package dev.berth.proxy.mirror;

import dev.berth.proxy.config.UpstreamConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * containerd's {@code certs.d/<registry>/hosts.toml}, one per upstream: berth first with {@code
 * pull} and {@code resolve} (containerd adds {@code ?ns=<registry>}, which tells berth the
 * upstream), and the upstream itself as {@code server}, tried last, so pulls go on while berth is
 * down. With {@code _default} ({@code --all-registries}), registries berth does not know are tried
 * through it too (berth refuses them at once and containerd falls back to the registry).
 */
public final class ContainerdHosts {
  private ContainerdHosts() {}

  public static List<MirrorFile> render(
      List<UpstreamConfig> upstreams, Endpoint endpoint, boolean withDefault) {
    List<MirrorFile> files = new ArrayList<>();
    for (UpstreamConfig upstream : upstreams) {
      files.add(
          new MirrorFile(
              Path.of(upstream.name(), "hosts.toml"),
              header(upstream.name())
                  + "server = \""
                  + trimSlash(upstream.url().toString())
                  + "\"\n\n"
                  + mirrorHost(endpoint)));
    }
    if (withDefault) {
      // No server line: containerd then falls back to the requested registry itself.
      files.add(
          new MirrorFile(
              Path.of("_default", "hosts.toml"),
              header("any other registry") + mirrorHost(endpoint)));
    }
    return files;
  }

  private static String header(String registry) {
    return MirrorFiles.BERTH_HEADER
        + " --runtime containerd`: pull "
        + registry
        + " through berth,\n# falling back to the registry itself when berth does not answer.\n";
  }

  private static String mirrorHost(Endpoint endpoint) {
    return "[host.\"" + endpoint + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
  }

  static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
