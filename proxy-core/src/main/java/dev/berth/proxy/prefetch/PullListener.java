package dev.berth.proxy.prefetch;

import dev.berth.storage.Digest;

/** What a {@link RegistryPuller} reports while it pulls, for progress output. Thread-safe calls. */
public interface PullListener {
  PullListener NONE = new PullListener() {};

  /** An image manifest (one platform) is known: its blobs will follow. */
  default void platformStarted(String image, String platform, int blobs, long bytes) {}

  default void blobStarted(String image, Digest blob, long size) {}

  default void blobProgress(String image, Digest blob, long bytesDone) {}

  default void blobDone(String image, Digest blob, long size) {}
}
