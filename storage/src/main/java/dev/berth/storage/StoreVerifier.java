package dev.berth.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Re-hashes every stored blob and manifest and removes the ones whose bytes no longer match their
 * digest, or whose stored bytes are damaged (a chunk missing or of the wrong length). A blob that
 * could not be read for another reason (a bucket that throttled or timed out) is kept and reported:
 * on a bucket other replicas share, deleting it would take a good blob from all of them. One that
 * was deleted meanwhile (another replica evicted it) is neither. For {@code berth verify}: run it
 * on a store no server of this node is using.
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
   * @param unreadable digests that could not be read and were kept, each with why
   */
  public record Report(
      long blobs, long bytes, long manifests, List<String> removed, List<String> unreadable) {
    public boolean damaged() {
      return !removed.isEmpty();
    }

    /** Whether anything was removed or could not be checked. */
    public boolean problems() {
      return damaged() || !unreadable.isEmpty();
    }
  }

  private StoreVerifier() {}

  public static Report verify(Storage storage, Progress progress) {
    List<BlobInfo> blobs = new ArrayList<>();
    storage.blobs().forEach(blobs::add);
    progress.started(blobs.size(), storage.blobs().totalBytes());
    List<String> removed = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    long done = 0;
    long bytes = 0;
    for (BlobInfo info : blobs) {
      try {
        String problem = check(storage, info.digest());
        if (problem != null) {
          storage.blobs().delete(info.digest());
          removed.add("blob " + info.digest() + ": " + problem);
        }
      } catch (BlobGoneException gone) {
        // Deleted since the listing: nothing to check.
      } catch (StorageException e) {
        unreadable.add("blob " + info.digest() + ": " + e.getMessage());
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
    return new Report(
        blobs.size(), bytes, manifests.size(), List.copyOf(removed), List.copyOf(unreadable));
  }

  /**
   * Null when the blob re-hashes to its digest, else what is wrong with its stored bytes.
   *
   * @throws BlobGoneException when it was deleted meanwhile
   * @throws StorageException when it could not be read for another reason
   */
  private static @Nullable String check(Storage storage, Digest digest) {
    DigestVerifier verifier = digest.newVerifier();
    BlobReader reader =
        storage
            .blobs()
            .openReader(digest, BlobRange.all())
            .orElseThrow(() -> new BlobGoneException(digest));
    try (reader) {
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        verifier.update(b);
      }
    } catch (CorruptBlobException e) {
      return "damaged (" + e.getMessage() + ")";
    }
    return verifier.verify() ? null : "bytes do not match the digest";
  }
}
