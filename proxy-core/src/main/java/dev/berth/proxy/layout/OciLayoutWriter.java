package dev.berth.proxy.layout;

import dev.berth.storage.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Writes an OCI image layout for {@code berth export}: blobs as they come, then {@code index.json}
 * on {@link #close()}.
 *
 * <p>Blobs are <em>not</em> verified here: the caller reads them from berth's store, which verified
 * them when they came in. Only the byte count is checked against the declared size, because a
 * descriptor's size is part of its identity and a mismatch means the caller streamed the wrong
 * thing. {@code content} streams are read to their end and never closed here.
 *
 * <p>{@link #close()} completes the layout: {@code oci-layout} and {@code index.json} for a
 * directory; for a tar file, {@code index.json} and the end of the archive, after which the file
 * appears under its name (until then it is a hidden temporary file beside it). After a failed blob
 * write, the tar variant is unusable and {@link #close()} discards it. Call {@link #abort()}
 * instead of {@link #close()} when the export fails elsewhere, so that no partial layout looks
 * complete.
 *
 * <p>Not thread-safe: one exporting thread writes.
 */
public interface OciLayoutWriter extends AutoCloseable {

  /**
   * Writes a layout into directory {@code dir}, creating it if needed. An existing layout is
   * merged: its blobs are kept (and reused when their size fits), its index entries are kept, new
   * entries are appended, and an entry with the same {@link Descriptor#REF_NAME} as a new one is
   * replaced. Blob files appear atomically (temporary file in the same directory, then rename).
   *
   * @throws LayoutException when {@code dir} is not a directory, or is a non-empty directory that
   *     is not an OCI layout (nothing is written into it then)
   */
  static OciLayoutWriter directory(Path dir) throws IOException {
    return DirectoryLayoutWriter.open(dir);
  }

  /**
   * Writes a layout as the tar file {@code file} ({@code oci-layout} first, blobs as they come,
   * {@code index.json} last), replacing any file there once {@link #close()} succeeds.
   */
  static OciLayoutWriter tar(Path file) throws IOException {
    return TarLayoutWriter.toFile(file);
  }

  /**
   * Writes a layout as a tar stream to {@code out} (standard output, say), which {@link #close()}
   * closes. Unlike {@link #tar(Path)}, a failure cannot hide what was already written: the stream
   * then ends without {@code index.json} or the end-of-archive blocks.
   */
  static OciLayoutWriter tar(OutputStream out) throws IOException {
    return TarLayoutWriter.toStream(out);
  }

  /**
   * Whether the layout already has the blob: written in this run or, for a directory, present in
   * it.
   */
  boolean hasBlob(Digest digest);

  /**
   * Adds the blob {@code digest} of {@code size} bytes read from {@code content}. Does nothing (and
   * reads nothing) when the blob was already written in this run, or when a directory layout
   * already has a file of that size for it.
   *
   * @throws LayoutException when {@code content} holds fewer or more than {@code size} bytes; no
   *     blob file is left behind
   */
  void blob(Digest digest, long size, InputStream content) throws IOException;

  /** Adds a small blob held in memory (a manifest or config). */
  default void blob(Digest digest, byte[] bytes) throws IOException {
    blob(digest, bytes.length, new ByteArrayInputStream(bytes));
  }

  /**
   * Adds {@code descriptor} to {@code index.json}'s {@code manifests}, replacing an entry with the
   * same {@link Descriptor#REF_NAME} (or, without one, the same digest and no name). The blob it
   * points to should be written too; this is not checked.
   */
  void addToIndex(Descriptor descriptor);

  /**
   * Gives up: writes no {@code index.json}, removes the temporary tar file. Blobs already in a
   * directory stay (they are complete and content-addressed). {@link #close()} afterwards does
   * nothing.
   */
  void abort() throws IOException;

  /**
   * Completes the layout (see the class comment). Idempotent.
   *
   * @throws LayoutException when an earlier blob write failed and the tar was discarded
   */
  @Override
  void close() throws IOException;
}
