package dev.berth.proxy.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.Deflater;
import org.jspecify.annotations.Nullable;

/**
 * Builds real OCI images on disk without docker and pushes them to a registry with skopeo.
 *
 * <p>Why: berth must be tested with images a real client accepts: gzip'd tar layers, a config whose
 * {@code rootfs.diff_ids} are the uncompressed layer digests, manifests and a two-platform index.
 * Content is deterministic (seeded), so the same call always yields the same digests, and layouts
 * are cached under {@code proxy-core/target/e2e-images/<key>} so re-runs skip the build (a 256 MiB
 * layer takes seconds to generate). The push uses {@code --preserve-digests} and is checked with a
 * HEAD, so a returned {@link PushedImage} is exactly what the registry serves.
 *
 * <p>Images:
 *
 * <ul>
 *   <li>{@link #smallImage}: one OCI manifest for linux/amd64, three layers of a few small text
 *       files each.
 *   <li>{@link #multiArchImage}: an OCI index of linux/amd64 and linux/arm64/v8, each a full image
 *       with its own three layers.
 *   <li>{@link #largeImage}: one layer holding one file of incompressible pseudo-random bytes, so
 *       the compressed blob is at least the requested size; generated as a stream.
 * </ul>
 *
 * <pre>{@code
 * TestImages images = TestImages.pushingTo(upstream);
 * PushedImage small = images.smallImage("e2e/small", "1");
 * PushedImage multi = images.multiArchImage("e2e/multi", "1");
 * PushedImage large = images.largeImage("e2e/large", "1", 256L << 20);
 *
 * // An authenticated upstream: skopeo pushes with --dest-creds, the check HEAD answers the 401.
 * TestImages.pushingTo(upstream).withCredentials(alice).smallImage("team-a/app", "1");
 * }</pre>
 */
public final class TestImages {
  /** Bump when the generated content changes, so stale cached layouts are not reused. */
  private static final String FORMAT = "v1";

  private static final int SMALL_LAYERS = 3;
  private static final long DEFAULT_SEED = 1;

  private static @Nullable Skopeo sharedSkopeo;

  private final String registry;
  private final Skopeo skopeo;

  private TestImages(String registry, Skopeo skopeo) {
    this.registry = registry;
    this.skopeo = skopeo;
  }

  /** Pushes to a running {@link LocalRegistry}. */
  public static TestImages pushingTo(LocalRegistry registry) {
    return pushingTo(registry.hostPort());
  }

  /** Pushes to a running {@link TokenAuthRegistry}; add {@link #withCredentials} to push. */
  public static TestImages pushingTo(TokenAuthRegistry registry) {
    return pushingTo(registry.hostPort());
  }

  /**
   * Pushes to any registry that accepts anonymous pushes over plain HTTP.
   *
   * @param hostPort for example {@code 127.0.0.1:5000}
   */
  public static TestImages pushingTo(String hostPort) {
    return pushingTo(hostPort, sharedSkopeo());
  }

  /**
   * Pushes with a given skopeo runner, for example one with a longer copy timeout. A runner {@link
   * Skopeo#withCredentials with credentials} pushes with them, and the check after the push uses
   * them too.
   */
  public static TestImages pushingTo(String hostPort, Skopeo skopeo) {
    return new TestImages(hostPort, skopeo);
  }

  /**
   * The same pusher authenticating as {@code credentials}: skopeo gets {@code --dest-creds}, and
   * the digest check after each push answers the registry's Basic or Bearer challenge with them.
   */
  public TestImages withCredentials(Credentials credentials) {
    return new TestImages(registry, skopeo.withCredentials(credentials));
  }

  /** Shorthand for {@code withCredentials(new Credentials(username, password))}. */
  public TestImages withCredentials(String username, String password) {
    return withCredentials(new Credentials(username, password));
  }

  private static synchronized Skopeo sharedSkopeo() {
    if (sharedSkopeo == null) {
      sharedSkopeo = Skopeo.create();
    }
    return sharedSkopeo;
  }

  /** The small single-platform image with the default seed. */
  public PushedImage smallImage(String repository, String tag) {
    return smallImage(repository, tag, DEFAULT_SEED);
  }

  /**
   * A linux/amd64 OCI image with three small layers; another {@code seed} gives other content and
   * digests.
   */
  public PushedImage smallImage(String repository, String tag, long seed) {
    return push(smallLayout(seed), repository, tag);
  }

  /** The two-platform image with the default seed. */
  public PushedImage multiArchImage(String repository, String tag) {
    return multiArchImage(repository, tag, DEFAULT_SEED);
  }

  /** An OCI index over linux/amd64 and linux/arm64/v8 images with distinct layers. */
  public PushedImage multiArchImage(String repository, String tag, long seed) {
    return push(multiArchLayout(seed), repository, tag);
  }

  /**
   * A linux/amd64 image whose single gzip'd layer is at least {@code sizeBytes} long.
   *
   * @param sizeBytes size of the random file inside the layer; the blob is slightly larger
   */
  public PushedImage largeImage(String repository, String tag, long sizeBytes) {
    return push(largeLayout(sizeBytes, DEFAULT_SEED), repository, tag);
  }

  /**
   * Pushes a layout (its {@value OciLayoutWriter#REF_NAME} entry) and checks the registry's digest.
   *
   * @throws AssertionError when the registry reports another top-level digest
   */
  public PushedImage push(ImageLayout layout, String repository, String tag) {
    boolean index = E2eMediaTypes.isIndex(layout.manifest().mediaType());
    String ref = registry + "/" + repository + ":" + tag;
    skopeo.pushOciLayout(layout.dir(), OciLayoutWriter.REF_NAME, ref, index);
    String served =
        skopeo
            .credentials()
            .map(RegistryProbe::as)
            .map(probe -> probe.manifestDigest("http://" + registry, repository, tag))
            .orElseGet(() -> RegistryProbe.manifestDigest("http://" + registry, repository, tag));
    if (!served.equals(layout.manifest().digest())) {
      throw new AssertionError(
          "pushed " + layout.manifest().digest() + " to " + ref + " but it serves " + served);
    }
    return layout.pushedAs(registry, repository, tag);
  }

  /** The small image's layout, built once per seed and cached. */
  public static ImageLayout smallLayout(long seed) {
    return cached(
        "small-s" + seed,
        writer ->
            writer.tag(image(writer, OciLayoutWriter.PlatformSpec.LINUX_AMD64, seed, "small")));
  }

  /** The multi-arch image's layout, built once per seed and cached. */
  public static ImageLayout multiArchLayout(long seed) {
    return cached(
        "multiarch-s" + seed,
        writer -> {
          Map<OciLayoutWriter.PlatformSpec, Descriptor> children = new LinkedHashMap<>();
          for (OciLayoutWriter.PlatformSpec platform :
              List.of(
                  OciLayoutWriter.PlatformSpec.LINUX_AMD64,
                  OciLayoutWriter.PlatformSpec.LINUX_ARM64)) {
            children.put(platform, image(writer, platform, seed, "multiarch"));
          }
          writer.tag(writer.writeIndex(children));
        });
  }

  /** The large image's layout, built once per size and seed and cached; streamed to disk. */
  public static ImageLayout largeLayout(long sizeBytes, long seed) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("sizeBytes must be positive: " + sizeBytes);
    }
    return cached(
        "large-" + sizeBytes + "-s" + seed,
        writer -> {
          // Random bytes do not compress, so deflate's search is wasted work: stored blocks give
          // the same size (a valid gzip stream) five times faster (256 MiB in ~2 s, not ~12 s).
          OciLayoutWriter.Layer layer =
              writer.writeGzipLayer(
                  Deflater.NO_COMPRESSION,
                  tar -> {
                    tar.directory("large/");
                    tar.beginFile("large/random.bin", sizeBytes);
                    SplittableRandom random = new SplittableRandom(seed);
                    byte[] buffer = new byte[1 << 16];
                    long remaining = sizeBytes;
                    while (remaining > 0) {
                      for (int i = 0; i < buffer.length; i += 8) {
                        long v = random.nextLong();
                        for (int b = 0; b < 8; b++) {
                          buffer[i + b] = (byte) (v >>> (8 * b));
                        }
                      }
                      int n = (int) Math.min(buffer.length, remaining);
                      tar.write(buffer, 0, n);
                      remaining -= n;
                    }
                    tar.endFile();
                  });
          writer.tag(
              writer.writeImage(
                  OciLayoutWriter.PlatformSpec.LINUX_AMD64,
                  List.of(layer),
                  Map.of(
                      "dev.berth.e2e.image", "large", "dev.berth.e2e.seed", Long.toString(seed))));
        });
  }

  /** Where cached layouts live: {@code <module>/target/e2e-images}. */
  public static Path cacheRoot() {
    String basedir = System.getProperty("basedir", System.getProperty("user.dir"));
    return Path.of(basedir, "target", "e2e-images");
  }

  /** Three layers of small seeded text files, then config and manifest. */
  private static Descriptor image(
      OciLayoutWriter writer, OciLayoutWriter.PlatformSpec platform, long seed, String name) {
    List<OciLayoutWriter.Layer> layers = new ArrayList<>();
    for (int i = 0; i < SMALL_LAYERS; i++) {
      // Mixing platform and layer index into the seed makes every layer's content distinct.
      Random random = new Random(seed * 1_000_003L + 31L * platform.architecture().hashCode() + i);
      String dir = name + "-" + platform.architecture() + "-layer" + i + "/";
      layers.add(
          writer.writeGzipLayer(
              Deflater.DEFAULT_COMPRESSION,
              tar -> {
                tar.directory(dir);
                for (int f = 0; f < 3; f++) {
                  tar.file(dir + "file" + f + ".txt", text(random, 100 + random.nextInt(2000)));
                }
              }));
    }
    return writer.writeImage(
        platform,
        layers,
        Map.of("dev.berth.e2e.image", name, "dev.berth.e2e.seed", Long.toString(seed)));
  }

  private static byte[] text(Random random, int length) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 \n";
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Returns the cached layout for {@code key}, building it first if needed. The build goes to a
   * staging directory that is renamed into place, so a present directory is always complete, even
   * when another JVM builds the same key at the same time.
   */
  private static synchronized ImageLayout cached(String key, Consumer<OciLayoutWriter> build) {
    Path root = cacheRoot();
    Path target = root.resolve(key + "-" + FORMAT);
    if (!Files.isRegularFile(target.resolve("index.json"))) {
      Path staging = root.resolve(".staging-" + key + "-" + UUID.randomUUID());
      try {
        Files.createDirectories(root);
        build.accept(OciLayoutWriter.create(staging));
        try {
          Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
          // another JVM won the race with identical content
        } catch (IOException e) {
          if (!Files.isRegularFile(target.resolve("index.json"))) {
            throw e;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot build test image " + key, e);
      } finally {
        Files2.deleteRecursively(staging);
      }
    }
    return ImageLayout.read(target, OciLayoutWriter.REF_NAME);
  }
}
