package dev.berth.proxy.mirror;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One file a runtime reads, as berth would write it.
 *
 * @param path relative to the output directory
 */
public record MirrorFile(Path path, String content) {
  public MirrorFile {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(content, "content");
    if (path.isAbsolute()) {
      throw new IllegalArgumentException("path must be relative: " + path);
    }
  }
}
