package dev.berth.proxy.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads an OCI image layout for {@code berth import}: its {@code index.json} and its blobs, from a
 * directory or a tar archive alike ({@link LayoutSource}).
 *
 * <p>Opening checks {@code oci-layout} first, so that a directory or archive that is not a layout
 * fails at once with a message naming it, rather than later as a missing blob. Blobs stream and are
 * <em>not</em> verified here: the store verifies every blob on commit, and hashing twice would
 * double the cost of a many-GiB import. {@link #readSmallBlob} does verify, since its bytes are
 * parsed (manifests) before anything else would hash them.
 *
 * <p>Safe to use from several threads when the source is (both provided ones are). Closing the
 * reader closes the source.
 */
public final class OciLayoutReader implements Closeable {
  private static final long MAX_LAYOUT_FILE_BYTES = 64 * 1024;
  private static final long MAX_INDEX_BYTES = 16L * 1024 * 1024;

  private final LayoutSource source;

  private OciLayoutReader(LayoutSource source) {
    this.source = source;
  }

  /**
   * Reads the layout at {@code path}, a directory or a tar archive ({@link LayoutSource#open}).
   *
   * @throws LayoutException when {@code path} is not an OCI layout of version 1.0.0
   */
  public static OciLayoutReader open(Path path) throws IOException {
    LayoutSource source = LayoutSource.open(path);
    try {
      return of(source);
    } catch (IOException | RuntimeException e) {
      source.close();
      throw e;
    }
  }

  /**
   * Reads the layout in {@code source}, which the reader then owns and closes.
   *
   * @throws LayoutException when {@code oci-layout} is missing, unreadable or not version 1.0.0
   */
  public static OciLayoutReader of(LayoutSource source) throws IOException {
    Objects.requireNonNull(source, "source");
    String where = source.describe() + ": " + LayoutFormat.OCI_LAYOUT;
    byte[] bytes;
    try (InputStream in =
        source
            .open(LayoutFormat.OCI_LAYOUT)
            .orElseThrow(
                () ->
                    new LayoutException(where + " is missing; this is not an OCI image layout"))) {
      bytes = LayoutFormat.readAtMost(in, MAX_LAYOUT_FILE_BYTES, where);
    }
    JsonNode layout = LayoutFormat.parse(bytes, where);
    JsonNode version = layout.get("imageLayoutVersion");
    if (version == null || !version.isTextual()) {
      throw new LayoutException(where + " has no imageLayoutVersion");
    }
    if (!version.asText().equals(LayoutFormat.VERSION)) {
      throw new LayoutException(
          where
              + " has imageLayoutVersion \""
              + version.asText()
              + "\"; berth reads \""
              + LayoutFormat.VERSION
              + "\"");
    }
    return new OciLayoutReader(source);
  }

  public LayoutSource source() {
    return source;
  }

  /**
   * The descriptors of {@code index.json}'s {@code manifests}, in file order.
   *
   * @throws LayoutException when {@code index.json} is missing, not JSON, not an image index, or
   *     has a malformed descriptor (naming its position)
   */
  public List<Descriptor> index() throws IOException {
    return descriptors(indexTree(), source.describe() + ": " + LayoutFormat.INDEX_JSON);
  }

  /** Checks an index tree and reads its descriptors; {@code where} names it in errors. */
  static List<Descriptor> descriptors(JsonNode index, String where) {
    ArrayNode manifests = LayoutFormat.manifests(index, where);
    List<Descriptor> descriptors = new ArrayList<>(manifests.size());
    for (int i = 0; i < manifests.size(); i++) {
      descriptors.add(LayoutFormat.fromJson(manifests.get(i), where + " manifests[" + i + "]"));
    }
    return descriptors;
  }

  /** The whole {@code index.json} tree, for a writer that merges into it. */
  JsonNode indexTree() throws IOException {
    String where = source.describe() + ": " + LayoutFormat.INDEX_JSON;
    byte[] bytes;
    try (InputStream in =
        source
            .open(LayoutFormat.INDEX_JSON)
            .orElseThrow(() -> new LayoutException(where + " is missing"))) {
      bytes = LayoutFormat.readAtMost(in, MAX_INDEX_BYTES, where);
    }
    return LayoutFormat.parse(bytes, where);
  }

  /** The size of the blob's file, or empty when the layout lacks it. */
  public Optional<Long> blobSize(Digest digest) throws IOException {
    return source.size(LayoutFormat.blobPath(digest));
  }

  /**
   * Opens the blob {@code blobs/<algorithm>/<hex>}, unverified (see the class comment).
   *
   * @throws LayoutException naming the digest and the path when the layout lacks the blob
   */
  public InputStream blob(Digest digest) throws IOException {
    String path = LayoutFormat.blobPath(digest);
    return source.open(path).orElseThrow(() -> missing(digest, path));
  }

  /**
   * Reads a small blob (a manifest, an index, a config) whole and checks it against {@code digest}.
   *
   * @throws LayoutException when the blob is missing, larger than {@code maxBytes}, or does not
   *     match {@code digest}
   */
  public byte[] readSmallBlob(Digest digest, long maxBytes) throws IOException {
    String path = LayoutFormat.blobPath(digest);
    String where = source.describe() + ": blob " + digest + " (" + path + ")";
    Optional<Long> size = source.size(path);
    if (size.isEmpty()) {
      throw missing(digest, path);
    }
    if (size.get() > maxBytes) {
      throw new LayoutException(
          where + " is " + size.get() + " bytes, more than the " + maxBytes + " allowed");
    }
    byte[] bytes;
    try (InputStream in = blob(digest)) {
      bytes = LayoutFormat.readAtMost(in, maxBytes, where);
    }
    DigestVerifier verifier = digest.newVerifier();
    verifier.update(bytes, 0, bytes.length);
    if (!verifier.verify()) {
      throw new LayoutException(where + " does not match its digest");
    }
    return bytes;
  }

  @Override
  public void close() throws IOException {
    source.close();
  }

  private LayoutException missing(Digest digest, String path) {
    return new LayoutException(
        source.describe() + ": blob " + digest + " is missing (expected at " + path + ")");
  }
}
