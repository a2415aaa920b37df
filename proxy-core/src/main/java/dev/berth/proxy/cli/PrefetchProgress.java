package dev.berth.proxy.cli;

import dev.berth.proxy.prefetch.PullListener;
import dev.berth.proxy.text.ByteSizes;
import dev.berth.storage.Digest;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Progress of {@code berth prefetch} on stderr. On a terminal: a bar for the image and one per
 * layer in flight, redrawn in place at most ten times a second. Elsewhere (logs, CI): one line per
 * platform started and per blob done, nothing redrawn.
 */
final class PrefetchProgress implements PullListener {
  private static final int WIDTH = 24;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintWriter err;
  private final boolean terminal;
  private final Map<Digest, long[]> layers = new LinkedHashMap<>(); // {done, size}
  private String image = "";
  private String platform = "";
  private long imageBytes;
  private long imageDone;
  private int blobs;
  private int blobsDone;
  private int drawnLines;
  private long lastDraw;

  PrefetchProgress(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  @Override
  public synchronized void platformStarted(String image, String platform, int blobs, long bytes) {
    this.image = image;
    this.platform = platform;
    this.blobs = blobs;
    this.blobsDone = 0;
    this.imageBytes = bytes;
    this.imageDone = 0;
    layers.clear();
    if (!terminal) {
      err.printf("%s (%s): %d blobs, %s%n", image, platform, blobs, ByteSizes.format(bytes));
      err.flush();
    }
    draw(true);
  }

  @Override
  public synchronized void blobStarted(String image, Digest blob, long size) {
    layers.put(blob, new long[] {0, size});
    draw(false);
  }

  @Override
  public synchronized void blobProgress(String image, Digest blob, long bytesDone) {
    long[] layer = layers.get(blob);
    if (layer != null) {
      imageDone += bytesDone - layer[0];
      layer[0] = bytesDone;
    }
    draw(false);
  }

  @Override
  public synchronized void blobDone(String image, Digest blob, long size) {
    layers.remove(blob);
    blobsDone++;
    if (!terminal) {
      err.printf("  %s %s done%n", shortDigest(blob), ByteSizes.format(size));
      err.flush();
    }
    draw(true);
  }

  /** Prints a line that stays (an image's result), below the bars, which are redrawn after it. */
  synchronized void line(String text) {
    clear();
    err.println(text);
    err.flush();
    drawnLines = 0;
  }

  /** Removes the bars at the end. */
  synchronized void finish() {
    clear();
    err.flush();
  }

  private void draw(boolean force) {
    if (!terminal) {
      return;
    }
    long now = System.nanoTime();
    if (!force && now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    clear();
    StringBuilder block = new StringBuilder();
    block.append(
        String.format(
            Locale.ROOT,
            "%s %s %s %d/%d blobs %s/%s%n",
            bar(imageDone, imageBytes),
            image,
            platform,
            blobsDone,
            blobs,
            ByteSizes.format(imageDone),
            ByteSizes.format(imageBytes)));
    int lines = 1;
    for (Map.Entry<Digest, long[]> layer : layers.entrySet()) {
      long[] v = layer.getValue();
      block.append(
          String.format(
              Locale.ROOT,
              "  %s %s %s/%s%n",
              bar(v[0], v[1]),
              shortDigest(layer.getKey()),
              ByteSizes.format(v[0]),
              ByteSizes.format(v[1])));
      lines++;
    }
    err.print(block);
    err.flush();
    drawnLines = lines;
  }

  /** Moves up over the last block and clears it. */
  private void clear() {
    if (terminal && drawnLines > 0) {
      err.print("\033[" + drawnLines + "A\033[J");
    }
    drawnLines = 0;
  }

  private static String bar(long done, long total) {
    int filled = total <= 0 ? 0 : (int) Math.min(WIDTH, done * WIDTH / total);
    return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "]";
  }

  private static String shortDigest(Digest digest) {
    String text = digest.toString();
    return text.substring(0, Math.min(text.length(), 19));
  }
}
