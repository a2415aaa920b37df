package dev.berth.proxy.layout;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The files of an OCI image layout, wherever they are kept: a directory ({@link
 * DirectoryLayoutSource}) or a tar archive ({@link TarLayoutSource}). {@link OciLayoutReader} reads
 * a layout through this, so it does not care which.
 *
 * <p>Paths are relative to the layout root and {@code /}-separated, e.g. {@code index.json} or
 * {@code blobs/sha256/<hex>}. An absolute path or one with a {@code ..} component is refused with
 * an {@link IllegalArgumentException}.
 *
 * <p>Implementations are safe to use from several threads; each stream returned by {@link
 * #open(String)} belongs to one caller, who closes it. Closing the source may invalidate streams
 * still open.
 */
public interface LayoutSource extends Closeable {

  /**
   * The source for {@code path}: a directory is read as a layout directory, a regular file as a tar
   * archive of one (indexed now, in one pass over its headers).
   *
   * @throws LayoutException when {@code path} does not exist or is neither, or when the tar archive
   *     is malformed
   */
  static LayoutSource open(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      return new DirectoryLayoutSource(path);
    }
    if (Files.isRegularFile(path)) {
      return new TarLayoutSource(path);
    }
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new LayoutException(path + ": no such file or directory");
    }
    throw new LayoutException(
        path + " is neither a directory nor a regular file (an OCI layout or a tar of one)");
  }

  /**
   * Opens the file at {@code path}.
   *
   * @return a stream the caller closes, or empty when the layout has no such regular file
   */
  Optional<InputStream> open(String path) throws IOException;

  /** The size of the file at {@code path}, or empty when the layout has no such regular file. */
  Optional<Long> size(String path) throws IOException;

  /** What this source reads, for error messages, e.g. {@code "OCI layout archive /tmp/a.tar"}. */
  String describe();
}
