package dev.berth.proxy.pull;

import dev.berth.storage.BlobReader;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Reads a {@link BlobSource} to its end as a client of the blob route would, on any source. */
final class BlobSources {
  private BlobSources() {}

  /**
   * The source's bytes. A failure before the first byte turns to the source's {@link Recovery}, as
   * the route does before it started its response; any other ends in an {@link ExecutionException}
   * with the cause.
   */
  static byte[] drain(BlobSource source) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      read(source, out);
    } catch (RuntimeException | ExecutionException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      if (out.size() > 0) {
        throw new ExecutionException(cause);
      }
      BlobSource instead = PullFixture.await(source.recovery().after(cause));
      read(instead, out);
    }
    return out.toByteArray();
  }

  private static void read(BlobSource source, ByteArrayOutputStream out) throws Exception {
    if (source instanceof BlobSource.Stored s) {
      readAll(s.reader(), out);
    } else if (source instanceof BlobSource.Live l) {
      drainLive(l.blob(), out);
    } else if (source instanceof BlobSource.Uncached u) {
      drainUncached(u.blob(), out);
    }
  }

  private static void readAll(BlobReader reader, ByteArrayOutputStream out) {
    try (reader) {
      for (ByteBuffer b = reader.read(); b.hasRemaining(); b = reader.read()) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        out.writeBytes(bytes);
      }
    }
  }

  private static void drainLive(LiveBlob blob, ByteArrayOutputStream out) throws Exception {
    try {
      while (true) {
        CompletableFuture<Void> changed = new CompletableFuture<>();
        LiveRead read = blob.next(64 << 10);
        if (read instanceof LiveRead.Bytes b) {
          ByteBuf buf = b.bytes();
          byte[] bytes = new byte[buf.readableBytes()];
          buf.readBytes(bytes);
          buf.release();
          out.writeBytes(bytes);
        } else if (read instanceof LiveRead.Wait) {
          blob.listen(() -> changed.complete(null));
          changed.get(30, TimeUnit.SECONDS);
        } else if (read instanceof LiveRead.Behind b) {
          readAll(PullFixture.await(blob.fromStorage(b.position())), out);
          return;
        } else if (read instanceof LiveRead.Failed failed) {
          throw new ExecutionException(failed.cause());
        } else {
          return; // End
        }
      }
    } finally {
      blob.close();
    }
  }

  private static void drainUncached(UncachedBlob blob, ByteArrayOutputStream out) throws Exception {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    blob.body().exceptionHandler(ended::completeExceptionally);
    blob.body().endHandler(v -> ended.complete(null));
    blob.body().handler((Buffer b) -> out.writeBytes(b.getBytes()));
    blob.body().resume();
    try {
      ended.get(30, TimeUnit.SECONDS);
      PullFixture.await(blob.verified().get());
    } finally {
      blob.finished().run();
    }
  }
}
