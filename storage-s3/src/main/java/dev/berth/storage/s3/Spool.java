package dev.berth.storage.s3;

import dev.berth.storage.DiskFullException;
import dev.berth.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A write's bytes on local disk while they go up to S3 part by part: followers of the write read
 * them here (an object is invisible until its upload completes), and parts are uploaded from here,
 * so memory per write stays one buffer. Held by the writer and each follower; the file goes when
 * the last lets go.
 */
final class Spool {
  private static final Logger log = LoggerFactory.getLogger(Spool.class);

  private final Path file;
  private final FileChannel channel;
  private long length;
  private int holders = 1;

  private Spool(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  static Spool create(Path dir) {
    try {
      Files.createDirectories(dir);
      Path file = Files.createTempFile(dir, "write-", ".spool");
      return new Spool(
          file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
    } catch (IOException e) {
      throw failure("creating a spool file in " + dir, e);
    }
  }

  /** Appends all of {@code bytes}. */
  void append(ByteBuffer bytes) {
    try {
      while (bytes.hasRemaining()) {
        length += channel.write(bytes, length);
      }
    } catch (IOException e) {
      throw failure("spooling to " + file, e);
    }
  }

  /** Reads into {@code into} from {@code position} until it is full or the spool ends. */
  void read(ByteBuffer into, long position) {
    try {
      long at = position;
      while (into.hasRemaining()) {
        int n = channel.read(into, at);
        if (n < 0) {
          return;
        }
        at += n;
      }
    } catch (IOException e) {
      throw failure("reading " + file, e);
    }
  }

  /**
   * {@code count} bytes from {@code position}, for an upload's body, through a channel of its own:
   * the S3 client enforces its timeouts by interrupting the uploading thread, and an interrupted
   * read closes its channel, which must not be the one the writer and the followers share.
   */
  InputStream stream(long position, long count) {
    try {
      FileChannel own = FileChannel.open(file, StandardOpenOption.READ);
      own.position(position);
      return new java.io.FilterInputStream(java.nio.channels.Channels.newInputStream(own)) {
        private long left = count;

        @Override
        public int read() throws IOException {
          if (left <= 0) {
            return -1;
          }
          int b = super.read();
          if (b >= 0) {
            left--;
          }
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (left <= 0) {
            return -1;
          }
          int n = super.read(b, off, (int) Math.min(len, left));
          if (n > 0) {
            left -= n;
          }
          return n;
        }
      };
    } catch (IOException e) {
      throw failure("reading " + file + " for an upload", e);
    }
  }

  /** Deletes spool files a crashed process left in {@code dir}: no write of theirs goes on. */
  static void deleteLeftovers(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.newDirectoryStream(dir, "write-*.spool")) {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      log.warn("could not clear old spool files in {}: {}", dir, e.toString());
    }
  }

  /** Holds the spool for one more reader; false when it is gone already (the write is over). */
  synchronized boolean tryRetain() {
    if (holders == 0) {
      return false;
    }
    holders++;
    return true;
  }

  synchronized void release() {
    if (holders == 0) {
      return;
    }
    if (--holders == 0) {
      try {
        channel.close();
        Files.deleteIfExists(file);
      } catch (IOException e) {
        log.warn("could not delete spool file {}: {}", file, e.toString());
      }
    }
  }

  private static StorageException failure(String action, IOException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("No space left") || message.contains("Disk quota")) {
      return new DiskFullException(action + ": disk full (" + message + ")", e);
    }
    return new StorageException(action + " failed: " + e, e);
  }
}
