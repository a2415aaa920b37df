package dev.berth.proxy.mirror;

import dev.berth.proxy.config.UpstreamConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * A CRI-O (containers-image) drop-in for {@code /etc/containers/registries.conf.d}: per upstream a
 * {@code [[registry]]} whose mirror is berth with the registry's name as the path prefix. CRI-O
 * sends no {@code ns}, so the path tells berth the upstream; the registry itself stays the primary
 * location, tried after the mirror. A registry with a port cannot be named in a path, so it is left
 * out (with a comment saying so).
 */
public final class CrioRegistries {
  static final Path FILE = Path.of("50-berth.conf");

  private CrioRegistries() {}

  public static List<MirrorFile> render(List<UpstreamConfig> upstreams, Endpoint endpoint) {
    StringBuilder toml =
        new StringBuilder(
            MirrorFiles.BERTH_HEADER
                + " --runtime crio`: pull through berth, falling back"
                + " to each\n# registry itself when berth does not answer.\n");
    for (UpstreamConfig upstream : upstreams) {
      if (upstream.name().contains(":")) {
        // A mirror location's path is part of an image reference, where ':' cannot appear.
        toml.append("\n# ")
            .append(upstream.name())
            .append(": not mirrored. CRI-O takes the registry from the mirror's path, and an image")
            .append(" path\n# cannot hold a port; pulls of it go straight to the registry.\n");
        continue;
      }
      URI url = upstream.url();
      String location = url.getRawAuthority() + pathOf(url);
      toml.append("\n[[registry]]\n")
          .append("prefix = \"")
          .append(upstream.name())
          .append("\"\n")
          .append("location = \"")
          .append(location)
          .append("\"\n");
      if (url.getScheme().equals("http")) {
        toml.append("insecure = true\n");
      }
      toml.append("[[registry.mirror]]\n")
          .append("location = \"")
          .append(endpoint.authority())
          .append('/')
          .append(upstream.name())
          .append("\"\n");
      if (endpoint.plainHttp()) {
        toml.append("insecure = true\n");
      }
    }
    return List.of(new MirrorFile(FILE, toml.toString()));
  }

  private static String pathOf(URI url) {
    String path = url.getRawPath();
    return path == null || path.equals("/") ? "" : ContainerdHosts.trimSlash(path);
  }
}
