package dev.berth.proxy.layout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A layout kept in a tar archive (an {@code oci-archive}), read in place: the archive is indexed
 * once by {@link TarReader} and each file streams from its offset, so nothing is extracted.
 */
public final class TarLayoutSource implements LayoutSource {
  private final TarReader tar;

  /**
   * Opens and indexes {@code tarFile}.
   *
   * @throws LayoutException when the archive is malformed, truncated or unsafe
   */
  public TarLayoutSource(Path tarFile) throws IOException {
    this.tar = TarReader.open(tarFile);
  }

  @Override
  public Optional<InputStream> open(String path) throws IOException {
    checkPath(path);
    return tar.entry(path).map(tar::open);
  }

  @Override
  public Optional<Long> size(String path) {
    checkPath(path);
    return tar.entry(path).map(TarReader.Entry::size);
  }

  @Override
  public String describe() {
    return "OCI layout archive " + tar.file();
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  private static void checkPath(String path) {
    try {
      TarFormat.components(path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("layout path '" + path + "': " + e.getMessage(), e);
    }
  }
}
