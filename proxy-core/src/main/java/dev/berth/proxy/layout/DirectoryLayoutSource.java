package dev.berth.proxy.layout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** A layout kept as a directory: each layout path is a file below {@code dir}. */
public final class DirectoryLayoutSource implements LayoutSource {
  private final Path dir;

  public DirectoryLayoutSource(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  public Path dir() {
    return dir;
  }

  @Override
  public Optional<InputStream> open(String path) throws IOException {
    Path file = resolve(path);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.newInputStream(file));
    } catch (NoSuchFileException e) {
      return Optional.empty(); // removed since the check
    }
  }

  @Override
  public Optional<Long> size(String path) throws IOException {
    Path file = resolve(path);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.size(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public String describe() {
    return "OCI layout directory " + dir;
  }

  @Override
  public void close() {}

  private Path resolve(String path) {
    try {
      return dir.resolve(String.join("/", TarFormat.components(path)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("layout path '" + path + "': " + e.getMessage(), e);
    }
  }
}
