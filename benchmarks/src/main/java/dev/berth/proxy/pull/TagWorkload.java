package dev.berth.proxy.pull;

import dev.berth.storage.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/** The data {@link TagResolutionBenchmark} resolves: realistic indexes and a Zipf tag mix. */
final class TagWorkload {
  private TagWorkload() {}

  /** An OCI index of realistic size (about 1.5 KiB), unique per tag. */
  static byte[] fakeIndex(int i, Random random) {
    StringBuilder b =
        new StringBuilder(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                + "\"manifests\":[");
    String[] platforms = {"amd64", "arm64", "arm", "ppc64le", "s390x"};
    for (int p = 0; p < platforms.length; p++) {
      byte[] hash = new byte[32];
      random.nextBytes(hash);
      b.append(p == 0 ? "" : ",")
          .append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"")
          .append(Digest.of(Digest.Algorithm.SHA256, hash))
          .append("\",\"size\":")
          .append(1000 + random.nextInt(2000))
          .append(",\"platform\":{\"architecture\":\"")
          .append(platforms[p])
          .append("\",\"os\":\"linux\"}}");
    }
    b.append("],\"annotations\":{\"tag.index\":\"").append(i).append("\"}}");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Indexes in [0, n) drawn Zipf(s), each rank mapped to a random index. */
  static int[] zipfSamples(int n, int count, double s, Random random) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int k = 1; k <= n; k++) {
      sum += 1 / Math.pow(k, s);
      cdf[k - 1] = sum;
    }
    int[] rankToIndex = new int[n];
    for (int k = 0; k < n; k++) {
      rankToIndex[k] = k;
    }
    for (int k = n - 1; k > 0; k--) {
      int j = random.nextInt(k + 1);
      int t = rankToIndex[k];
      rankToIndex[k] = rankToIndex[j];
      rankToIndex[j] = t;
    }
    int[] samples = new int[count];
    for (int c = 0; c < count; c++) {
      double u = random.nextDouble() * sum;
      int rank = Arrays.binarySearch(cdf, u);
      samples[c] = rankToIndex[rank >= 0 ? rank : Math.min(n - 1, -rank - 1)];
    }
    return samples;
  }
}
