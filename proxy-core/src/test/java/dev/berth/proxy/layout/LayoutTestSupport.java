package dev.berth.proxy.layout;

import dev.berth.proxy.e2e.E2eTools;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Deterministic streamed content, digests and the system {@code tar}, for the layout tests. */
final class LayoutTestSupport {
  private LayoutTestSupport() {}

  /**
   * {@code size} pseudo-random bytes computed from their position: the same bytes every time, and
   * never more than one read's worth in memory.
   */
  static final class PatternStream extends InputStream {
    private final long size;
    private final long seed;
    private long position;

    PatternStream(long size, long seed) {
      this.size = size;
      this.seed = seed;
    }

    @Override
    public int read() {
      if (position >= size) {
        return -1;
      }
      return byteAt(position++) & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (position >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - position);
      for (int i = 0; i < n; i++) {
        b[off + i] = byteAt(position++);
      }
      return n;
    }

    private byte byteAt(long p) {
      long x = (p + seed) * 0x9E3779B97F4A7C15L;
      return (byte) (x ^ (x >>> 29) ^ (x >>> 47));
    }
  }

  static Digest digestOf(InputStream in) throws IOException {
    DigestVerifier verifier = Digest.sha256Of(new byte[0]).newVerifier();
    byte[] buffer = new byte[64 * 1024];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      verifier.update(buffer, 0, n);
    }
    in.close();
    return verifier.finish();
  }

  static Digest digestOf(String text) {
    return Digest.sha256Of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** GNU tar is needed: skipped without it, a failure under {@code BERTH_E2E=required}. */
  static void assumeTar() {
    E2eTools.require("tar");
  }

  /** Runs a command in {@code dir}; returns its output, failing the test on a non-zero exit. */
  static String run(Path dir, String... command) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of(command));
    Process process =
        new ProcessBuilder(args).directory(dir.toFile()).redirectErrorStream(true).start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (InputStream in = process.getInputStream()) {
      in.transferTo(output);
    }
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(args + " timed out");
    }
    String text = output.toString(StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new AssertionError(args + " exited " + process.exitValue() + ": " + text);
    }
    return text;
  }
}
