package dev.berth.proxy.mirror;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Does containerd read the {@code hosts.toml} files berth writes? Only when the CRI plugin's
 * registry {@code config_path} in {@code config.toml} names their directory. The key lives in a
 * different table per config version (containerd {@code docs/hosts.md}, "CRI"):
 *
 * <ul>
 *   <li>version 3 (containerd 2.x): {@code [plugins."io.containerd.cri.v1.images".registry]}
 *   <li>version 2 (containerd 1.x): {@code [plugins."io.containerd.grpc.v1.cri".registry]}
 *   <li>version 1 (containerd 1.x, short names): {@code [plugins.cri.registry]}
 * </ul>
 *
 * <p>The value may list several directories separated by {@code :}, as Spegel's check splits it
 * ({@code filepath.SplitList}; spegel-org/spegel {@code pkg/oci/containerd.go}). When the file does
 * not set the key, containerd's default applies, and that differs between releases (empty in 1.6 to
 * 2.0; {@code /etc/containerd/certs.d:/etc/docker/certs.d} in some 2.1 and 2.2 releases), so berth
 * says it cannot tell rather than guess.
 *
 * <p>A small line reader, not a TOML library: it follows {@code [table]} headers and {@code key =
 * "value"} lines, dotted and quoted keys included, which is all these keys need; anything else is
 * skipped.
 */
public final class ContainerdConfigPath {
  private static final List<String> REGISTRY_TABLES =
      List.of(
          "plugins.io.containerd.cri.v1.images.registry",
          "plugins.io.containerd.grpc.v1.cri.registry",
          "plugins.cri.registry");

  /** The verdict, with a sentence for the operator. */
  public record Check(boolean ok, String message) {}

  private ContainerdConfigPath() {}

  /**
   * The {@code config_path} values {@code config.toml} sets, in file order.
   *
   * @param toml the file's content
   */
  public static List<String> configPaths(String toml) {
    List<String> values = new ArrayList<>();
    String table = "";
    for (String raw : toml.split("\n", -1)) {
      String line = stripComment(raw).trim();
      if (line.startsWith("[")) {
        int end = line.lastIndexOf(']');
        String inner = line.substring(line.startsWith("[[") ? 2 : 1, end < 0 ? line.length() : end);
        table = normalizeKey(inner.replace("]", ""));
        continue;
      }
      int eq = indexOutsideQuotes(line, '=');
      if (eq < 0) {
        continue;
      }
      String key = normalizeKey(line.substring(0, eq));
      String full = table.isEmpty() ? key : table + "." + key;
      for (String registry : REGISTRY_TABLES) {
        if (full.equals(registry + ".config_path")) {
          unquote(line.substring(eq + 1).trim()).ifPresent(values::add);
        }
      }
    }
    return values;
  }

  /**
   * @param toml the content of containerd's {@code config.toml}, empty when there is none
   * @param configFile where it was read, for the message
   * @param hostsDir the directory berth writes {@code hosts.toml} into, as containerd sees it
   */
  public static Check check(Optional<String> toml, String configFile, String hostsDir) {
    String fix =
        " Set config_path = \""
            + hostsDir
            + "\" under [plugins.\"io.containerd.cri.v1.images\".registry] (containerd 2.x) or"
            + " [plugins.\"io.containerd.grpc.v1.cri\".registry] (1.x) and restart containerd;"
            + " until then the node pulls straight from the registries.";
    if (toml.isEmpty()) {
      return new Check(
          false,
          configFile
              + " does not exist, so containerd uses its built-in config_path, which is empty"
              + " before 2.1: it may not read "
              + hostsDir
              + "."
              + fix);
    }
    List<String> paths = configPaths(toml.get());
    if (paths.isEmpty()) {
      return new Check(
          false,
          configFile
              + " does not set the CRI registry config_path; containerd's default differs by"
              + " release (empty in 1.6 to 2.0), so it may not read "
              + hostsDir
              + "."
              + fix);
    }
    String value = paths.get(paths.size() - 1);
    for (String dir : value.split(":", -1)) {
      if (stripSlash(dir).equals(stripSlash(hostsDir))) {
        return new Check(
            true,
            "containerd reads "
                + hostsDir
                + " (config_path = \""
                + value
                + "\" in "
                + configFile
                + ")");
      }
    }
    return new Check(
        false,
        "containerd does not read "
            + hostsDir
            + ": config_path in "
            + configFile
            + " is \""
            + value
            + "\"."
            + fix);
  }

  private static String stripSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /**
   * {@code plugins."io.containerd.grpc.v1.cri" . registry} to {@code
   * plugins.io.containerd.grpc.v1.cri.registry}.
   */
  static String normalizeKey(String key) {
    StringBuilder out = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          out.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (!Character.isWhitespace(c)) {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static Optional<String> unquote(String value) {
    if (value.length() >= 2) {
      char q = value.charAt(0);
      if ((q == '"' || q == '\'') && value.indexOf(q, 1) > 0) {
        return Optional.of(value.substring(1, value.indexOf(q, 1)));
      }
    }
    return Optional.empty();
  }

  private static String stripComment(String line) {
    int hash = indexOutsideQuotes(line, '#');
    return hash < 0 ? line : line.substring(0, hash);
  }

  private static int indexOutsideQuotes(String line, char wanted) {
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == wanted) {
        return i;
      }
    }
    return -1;
  }
}
