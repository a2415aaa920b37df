package dev.berth.proxy.cli;

import dev.berth.proxy.text.ByteSizes;
import dev.berth.storage.StoreVerifier;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr for long commands: redrawn in place on a terminal, printed at
 * most every 10% otherwise (logs and CI output stay short).
 */
final class ProgressBar implements StoreVerifier.Progress {
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final boolean terminal;
  private long totalBlobs;
  private long totalBytes;
  private int lastTenth = -1;

  ProgressBar(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  @Override
  public void started(long blobs, long blobBytes) {
    totalBlobs = blobs;
    totalBytes = blobBytes;
    draw(0, 0);
  }

  @Override
  public void blobChecked(long blobsDone, long bytesDone) {
    draw(blobsDone, bytesDone);
  }

  private void draw(long done, long bytes) {
    double fraction =
        Math.min(
            1,
            totalBytes > 0
                ? (double) bytes / totalBytes
                : (totalBlobs == 0 ? 1 : (double) done / totalBlobs));
    int tenth = (int) (fraction * 10);
    if (!terminal && tenth == lastTenth) {
      return;
    }
    lastTenth = tenth;
    int filled = (int) (fraction * WIDTH);
    String line =
        String.format(
            Locale.ROOT,
            "[%s%s] %3d%% %d/%d blobs %s/%s",
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            (int) (fraction * 100),
            done,
            totalBlobs,
            ByteSizes.format(bytes),
            ByteSizes.format(totalBytes));
    err.print(terminal ? "\r" + line : line + System.lineSeparator());
    err.flush();
  }

  void finish() {
    if (terminal) {
      err.println();
      err.flush();
    }
  }
}
