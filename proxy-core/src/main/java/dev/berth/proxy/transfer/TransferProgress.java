package dev.berth.proxy.transfer;

/** Progress of an export or import, in blobs and bytes, for a progress bar. */
public interface TransferProgress {
  TransferProgress NONE = (blobs, bytes) -> {};

  /** Called after each blob with the totals so far. */
  void blobDone(long blobs, long bytes);
}
