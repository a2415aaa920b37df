package dev.berth.proxy.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.storage.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@link OciLayoutWriter#directory}: every file is written to a temporary file in its final
 * directory and renamed into place, so a reader (or a crash) never sees half a blob or half an
 * index.
 */
final class DirectoryLayoutWriter implements OciLayoutWriter {
  private final Path dir;
  private final IndexEntries index;
  private final Set<Digest> written = new HashSet<>();
  private boolean done;

  private DirectoryLayoutWriter(Path dir, IndexEntries index) {
    this.dir = dir;
    this.index = index;
  }

  static DirectoryLayoutWriter open(Path dir) throws IOException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new LayoutException(dir + " exists and is not a directory");
    }
    Files.createDirectories(dir);
    if (isEmpty(dir)) {
      return new DirectoryLayoutWriter(dir, new IndexEntries(LayoutFormat.emptyIndex()));
    }
    if (!Files.exists(dir.resolve(LayoutFormat.OCI_LAYOUT))) {
      throw new LayoutException(
          dir
              + " is not empty and is not an OCI image layout (it has no "
              + LayoutFormat.OCI_LAYOUT
              + "); refusing to write into it");
    }
    // An existing layout: check its version and index before adding to them.
    try (OciLayoutReader existing = OciLayoutReader.of(new DirectoryLayoutSource(dir))) {
      if (!Files.exists(dir.resolve(LayoutFormat.INDEX_JSON))) {
        return new DirectoryLayoutWriter(dir, new IndexEntries(LayoutFormat.emptyIndex()));
      }
      JsonNode tree = existing.indexTree();
      // Every descriptor well-formed, or an error naming the bad one, before anything is added.
      OciLayoutReader.descriptors(
          tree, existing.source().describe() + ": " + LayoutFormat.INDEX_JSON);
      return new DirectoryLayoutWriter(dir, new IndexEntries((ObjectNode) tree));
    }
  }

  @Override
  public boolean hasBlob(Digest digest) {
    return written.contains(digest) || Files.isRegularFile(blobFile(digest));
  }

  @Override
  public void blob(Digest digest, long size, InputStream content) throws IOException {
    checkOpen();
    if (written.contains(digest)) {
      return;
    }
    Path target = blobFile(digest);
    // A file of the wrong size is a leftover of something else's failed write: replace it.
    if (Files.isRegularFile(target) && Files.size(target) == size) {
      written.add(digest);
      return;
    }
    writeAtomically(
        target, out -> LayoutFormat.copyExactly(content, size, out, dir + ": blob " + digest));
    written.add(digest);
  }

  @Override
  public void addToIndex(Descriptor descriptor) {
    checkOpen();
    index.add(descriptor);
  }

  @Override
  public void abort() {
    done = true;
  }

  @Override
  public void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    writeAtomically(
        dir.resolve(LayoutFormat.OCI_LAYOUT), out -> out.write(LayoutFormat.layoutFile()));
    byte[] rendered = index.render();
    writeAtomically(dir.resolve(LayoutFormat.INDEX_JSON), out -> out.write(rendered));
  }

  private interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private static void writeAtomically(Path target, Content content) throws IOException {
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, "." + target.getFileName(), ".berth-tmp");
    boolean moved = false;
    try {
      try (OutputStream out = Files.newOutputStream(temp)) {
        content.writeTo(out);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }

  private Path blobFile(Digest digest) {
    return dir.resolve(LayoutFormat.blobPath(digest));
  }

  private void checkOpen() {
    if (done) {
      throw new IllegalStateException("layout writer for " + dir + " is closed");
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      return children.findAny().isEmpty();
    }
  }
}
