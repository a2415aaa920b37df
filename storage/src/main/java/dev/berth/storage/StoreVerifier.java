package dev.berth.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Re-hashes every stored blob and manifest and removes the ones whose bytes no longer match their
 * digest (or cannot be read). For {@code berth verify}: run it on a store no server is using.
 */
public final class StoreVerifier {

  /** Told about progress; called from the verifying thread. */
  public interface Progress {
    /** Before starting: how much there is to check. */
    void started(long blobs, long blobBytes);

    /** After each blob: bytes re-hashed so far. */
    void blobChecked(long blobsDone, long bytesDone);
  }

  /**
   * What a run found.
   *
   * @param blobs blobs checked
   * @param bytes blob bytes re-hashed
   * @param manifests manifests checked
   * @param removed digests removed, each with why
   */
  public record Report(long blobs, long bytes, long manifests, List<String> removed) {
    public boolean damaged() {
      return !removed.isEmpty();
    }
  }

  private StoreVerifier() {}

  public static Report verify(Storage storage, Progress progress) {
    List<BlobInfo> blobs = new ArrayList<>();
    storage.blobs().forEach(blobs::add);
    progress.started(blobs.size(), storage.blobs().totalBytes());
    List<String> removed = new ArrayList<>();
    long done = 0;
    long bytes = 0;
    for (BlobInfo info : blobs) {
      String problem = check(storage, info.digest());
      if (problem != null) {
        storage.blobs().delete(info.digest());
        removed.add("blob " + info.digest() + ": " + problem);
      }
      done++;
      bytes += info.size();
      progress.blobChecked(done, bytes);
    }
    List<StoredManifest> manifests = new ArrayList<>();
    storage.manifests().forEach(manifests::add);
    for (StoredManifest m : manifests) {
      DigestVerifier verifier = m.digest().newVerifier();
      verifier.update(m.bytes(), 0, m.bytes().length);
      if (!verifier.verify()) {
        storage.manifests().delete(m.digest());
        removed.add("manifest " + m.digest() + ": bytes do not match the digest");
      }
    }
    return new Report(blobs.size(), bytes, manifests.size(), List.copyOf(removed));
  }

  /** Null when the blob re-hashes to its digest, else what is wrong. */
  private static @Nullable String check(Storage storage, Digest digest) {
    DigestVerifier verifier = digest.newVerifier();
    try (BlobReader reader = storage.blobs().openReader(digest, BlobRange.all()).orElseThrow()) {
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        verifier.update(b);
      }
    } catch (StorageException | java.util.NoSuchElementException e) {
      return "unreadable (" + e.getMessage() + ")";
    }
    return verifier.verify() ? null : "bytes do not match the digest";
  }
}
