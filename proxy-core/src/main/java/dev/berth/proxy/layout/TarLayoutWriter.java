package dev.berth.proxy.layout;

import dev.berth.storage.Digest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@link OciLayoutWriter#tar}: one pass, in the order a streaming reader wants ({@code oci-layout}
 * first, {@code index.json} last, since the index is only known at the end). For a file target the
 * archive is written to a hidden temporary file beside it and renamed on success, so a failed
 * export never leaves a plausible but incomplete archive under the requested name.
 */
final class TarLayoutWriter implements OciLayoutWriter {
  private final TarWriter tar;
  private final String name;
  private final @Nullable Path target;
  private final @Nullable Path temp;
  private final Set<Digest> written = new HashSet<>();
  private final Set<String> directories = new HashSet<>();
  private final IndexEntries index = new IndexEntries(LayoutFormat.emptyIndex());
  private @Nullable Exception failure;
  private boolean done;

  private TarLayoutWriter(OutputStream out, String name, @Nullable Path target, @Nullable Path temp)
      throws IOException {
    this.tar = new TarWriter(out);
    this.name = name;
    this.target = target;
    this.temp = temp;
    tar.file(LayoutFormat.OCI_LAYOUT, LayoutFormat.layoutFile());
  }

  static TarLayoutWriter toFile(Path file) throws IOException {
    Path target = file.toAbsolutePath();
    if (Files.isDirectory(target)) {
      throw new LayoutException(file + " is a directory; an OCI archive needs a file name");
    }
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, "." + target.getFileName(), ".berth-tmp");
    OutputStream out = null;
    try {
      out = new BufferedOutputStream(Files.newOutputStream(temp), 64 * 1024);
      return new TarLayoutWriter(out, file.toString(), target, temp);
    } catch (IOException | RuntimeException e) {
      if (out != null) {
        out.close();
      }
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  static TarLayoutWriter toStream(OutputStream out) throws IOException {
    return new TarLayoutWriter(out, "OCI archive stream", null, null);
  }

  @Override
  public boolean hasBlob(Digest digest) {
    return written.contains(digest);
  }

  @Override
  public void blob(Digest digest, long size, InputStream content) throws IOException {
    checkUsable();
    if (written.contains(digest)) {
      return;
    }
    String path = LayoutFormat.blobPath(digest);
    try {
      String algorithmDir = path.substring(0, path.lastIndexOf('/'));
      for (String dir : new String[] {"blobs", algorithmDir}) {
        if (directories.add(dir)) {
          tar.directory(dir);
        }
      }
      tar.file(path, size, content);
      LayoutFormat.checkEnded(content, size, name + ": blob " + digest);
    } catch (IOException | RuntimeException e) {
      failure = e;
      throw e;
    }
    written.add(digest);
  }

  @Override
  public void addToIndex(Descriptor descriptor) {
    checkUsable();
    index.add(descriptor);
  }

  @Override
  public void abort() throws IOException {
    if (done) {
      return;
    }
    done = true;
    try {
      tar.abandon();
    } finally {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (done) {
      return;
    }
    if (failure != null) {
      abort();
      throw new LayoutException(
          name + " was not written: an earlier blob write failed (" + failure.getMessage() + ")",
          failure);
    }
    done = true;
    boolean complete = false;
    try {
      tar.file(LayoutFormat.INDEX_JSON, index.render());
      tar.close();
      if (temp != null && target != null) {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      complete = true;
    } finally {
      if (!complete) {
        tar.abandon();
        if (temp != null) {
          Files.deleteIfExists(temp);
        }
      }
    }
  }

  private void checkUsable() {
    if (done) {
      throw new IllegalStateException(name + ": layout writer is closed");
    }
    if (failure != null) {
      throw new IllegalStateException(
          name + ": an earlier blob write failed; the archive is incomplete", failure);
    }
  }
}
