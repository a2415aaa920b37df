package dev.berth.proxy.pull;

import dev.berth.proxy.text.Messages;
import dev.berth.storage.BlobStore;
import dev.berth.storage.DiskFullException;
import dev.berth.storage.LinkStore;
import dev.berth.storage.ManifestStore;
import dev.berth.storage.TagStore;
import dev.berth.storage.VerdictStore;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The stores plus the worker pool their blocking calls run on. Every RocksDB call from request
 * handling goes through {@link #run}, so none runs on an event loop, and a full disk met by any of
 * them pauses cache writes in one place.
 */
public final class StorageAccess {
  private final BlobStore blobs;
  private final ManifestStore manifests;
  private final TagStore tags;
  private final LinkStore links;
  private final VerdictStore verdicts;
  private final WorkerExecutor workers;
  private final CacheWrites writes;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  public StorageAccess(
      BlobStore blobs,
      ManifestStore manifests,
      TagStore tags,
      LinkStore links,
      VerdictStore verdicts,
      WorkerExecutor workers,
      CacheWrites writes) {
    this.blobs = blobs;
    this.manifests = manifests;
    this.tags = tags;
    this.links = links;
    this.verdicts = verdicts;
    this.workers = workers;
    this.writes = writes;
  }

  /** Runs blocking storage work on the worker pool; completes on the caller's context. */
  public <T> Future<T> run(Callable<T> work) {
    return workers.executeBlocking(() -> guarded(work), false);
  }

  /**
   * Runs {@code work} unless storage is closing; a full disk found on the way pauses cache writes.
   * Closing Vert.x does not wait for worker threads, and a RocksDB call racing the store's close
   * would touch freed native memory.
   */
  private <T> T guarded(Callable<T> work) throws Exception {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new dev.berth.storage.StorageException("storage is closed: berth is shutting down");
      }
      return work.call();
    } catch (DiskFullException e) {
      writes.pause(Messages.of(e));
      throw e;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Waits for storage work in flight and refuses any after; call before closing the store. */
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Whether fetched content is stored now; see {@link CacheWrites}. */
  public CacheWrites writes() {
    return writes;
  }

  public BlobStore blobs() {
    return blobs;
  }

  public ManifestStore manifests() {
    return manifests;
  }

  public TagStore tags() {
    return tags;
  }

  public LinkStore links() {
    return links;
  }

  public VerdictStore verdicts() {
    return verdicts;
  }
}
