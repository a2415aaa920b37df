package dev.berth.storage;

import java.nio.ByteBuffer;

/**
 * The rules of a blob write, for every store: bytes are hashed as they are appended and never
 * beyond the declared size, no byte is appended once the write is verified, {@link #verify} decides
 * before anything is published, and the write ends once (a commit, or an abort whose first reason
 * is the one its followers see). A failure of the store on the way aborts the write before it is
 * thrown. A store says only how its bytes are kept ({@link #store}), made visible ({@link
 * #publish}) and dropped ({@link #discard}); {@link FollowingReader} is the same split for readers.
 */
public abstract class VerifyingBlobWriter implements BlobWriter {
  protected final Digest digest;

  /** The size the write declared, -1 when unknown (the digest alone then decides). */
  protected final long expectedSize;

  private final DigestVerifier verifier;
  private long written;
  private boolean verified;
  // Committed or aborted. Volatile: the producer may hand the write from thread to thread.
  private volatile boolean finished;

  protected VerifyingBlobWriter(Digest digest, long expectedSize) {
    this.digest = digest;
    this.expectedSize = expectedSize;
    this.verifier = digest.newVerifier();
  }

  /**
   * Keeps every remaining byte of {@code bytes} (already hashed); the caller may reuse the buffer
   * afterwards. A {@link StorageException} aborts the write.
   */
  protected abstract void store(ByteBuffer bytes);

  /**
   * Stores what is still buffered and makes the verified blob visible, then tells its followers.
   * When another writer committed the same digest first, returns that blob. A {@link
   * StorageException} aborts the write.
   */
  protected abstract BlobInfo publish();

  /**
   * Fails this write's followers with {@code reason}, then drops what it stored: in that order, so
   * a follower that finds bytes gone sees the abort rather than a corrupt blob. Called once; must
   * not throw: a store that cannot drop its bytes logs what reclaims them later.
   */
  protected abstract void discard(Throwable reason);

  @Override
  public final Digest digest() {
    return digest;
  }

  @Override
  public final long written() {
    return written;
  }

  @Override
  public final void append(ByteBuffer bytes) {
    requireOpen();
    if (verified) {
      throw new IllegalStateException("write of " + digest + " is verified: no more bytes");
    }
    try {
      verifier.updateWithin(bytes, expectedSize);
      int n = bytes.remaining();
      store(bytes);
      written += n;
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  @Override
  public final void verify() {
    requireOpen();
    if (verified) {
      return;
    }
    try {
      verifier.check(expectedSize);
      verified = true;
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  @Override
  public final BlobInfo commit() {
    try {
      verify(); // refuses a finished write too
      BlobInfo info = publish();
      finished = true;
      return info;
    } catch (StorageException e) {
      abort(e);
      throw e;
    }
  }

  @Override
  public final void abort(Throwable reason) {
    if (finished) {
      return; // committed, or aborted before: only the first reason reaches followers
    }
    finished = true;
    discard(reason);
  }

  private void requireOpen() {
    if (finished) {
      throw new IllegalStateException("write of " + digest + " is already finished");
    }
  }
}
