package dev.berth.proxy.config;

import dev.berth.proxy.text.ByteSizes;
import dev.berth.proxy.text.InvalidValueException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Turns a (merged) config tree into a {@link BerthConfig}, key by key. */
final class ConfigReader {
  private static final List<String> TOP_KEYS =
      List.of(
          "listen",
          "admin",
          "admin-token-file",
          "storage",
          "upstreams",
          "credentials",
          "tenancy",
          "limits",
          "tls",
          "cluster");
  private static final List<String> TLS_KEYS = List.of("cert", "key");
  private static final List<String> STORAGE_KEYS =
      List.of("path", "max-size", "low-water", "chunk-size", "min-free", "pins");
  private static final List<String> LIMITS_KEYS =
      List.of(
          "max-connections",
          "max-downloads",
          "max-header-size",
          "idle-timeout",
          "header-timeout",
          "fan-out-window",
          "fan-out-memory");
  private static final List<String> CREDENTIALS_KEYS =
      List.of(
          "docker-config",
          "check-ttl",
          "node-identity",
          "node-addresses",
          "provider-config",
          "provider-bin-dir");

  private ConfigReader() {}

  static BerthConfig read(ConfigNode root) {
    root.requireMap(TOP_KEYS);
    return new BerthConfig(
        root.required("listen").as(HostPort::parse),
        root.required("admin").as(HostPort::parse),
        storage(root.required("storage")),
        UpstreamsReader.read(root.required("upstreams")),
        credentials(root.required("credentials")),
        root.required("tenancy").as(Tenancy::parse),
        root.optional("limits").map(ConfigReader::limits).orElse(LimitsConfig.DEFAULTS),
        root.optional("tls").map(ConfigReader::tls),
        root.optional("admin-token-file").map(file -> file.as(ConfigReader::path)),
        root.optional("cluster").map(ClusterReader::read).orElse(ClusterConfig.NONE));
  }

  private static StorageConfig storage(ConfigNode node) {
    node.requireMap(STORAGE_KEYS);
    Path path = node.required("path").as(ConfigReader::path);
    Optional<DiskSize> maxSize =
        node.optional("max-size")
            .map(size -> size.as(ConfigReader::maxSize))
            .orElse(Optional.of(StorageConfig.DEFAULT_MAX_SIZE));
    int chunkSize =
        node.optional("chunk-size")
            .map(size -> size.as(ConfigReader::chunkSize))
            .orElse(StorageConfig.DEFAULT_CHUNK_SIZE);
    DiskSize minFree =
        node.optional("min-free")
            .map(size -> size.as(DiskSize::parse))
            .orElse(StorageConfig.DEFAULT_MIN_FREE);
    Optional<DiskSize> lowWater =
        node.optional("low-water").map(size -> size.as(ConfigReader::positiveDiskSize));
    if (lowWater.isPresent()) {
      DiskSize low = lowWater.get();
      node.required("low-water")
          .as(
              text -> {
                if (maxSize.isEmpty()) {
                  throw new InvalidValueException(
                      text, "storage.max-size is none: there is no cap to evict down from");
                }
                // Two byte values compare now; a percentage is compared once resolved at start.
                DiskSize max = maxSize.get();
                if (!low.isPercent() && !max.isPercent() && low.resolve(0) >= max.resolve(0)) {
                  throw new InvalidValueException(text, "expected a size below storage.max-size");
                }
                return low;
              });
    }
    List<String> pins =
        node.optional("pins")
            .map(
                list ->
                    list.list().stream().map(pin -> pin.as(ConfigReader::imageReference)).toList())
            .orElse(List.of());
    return new StorageConfig(path, maxSize, chunkSize, minFree, lowWater, pins);
  }

  private static LimitsConfig limits(ConfigNode node) {
    node.requireMap(LIMITS_KEYS);
    LimitsConfig d = LimitsConfig.DEFAULTS;
    long window =
        node.optional("fan-out-window")
            .map(n -> n.as(ConfigReader::fanOutWindow))
            .orElse(d.fanOutWindow());
    return new LimitsConfig(
        node.optional("max-connections")
            .map(n -> n.as(text -> positiveInt(text, "connections")))
            .orElse(d.maxConnections()),
        node.optional("max-downloads")
            .map(n -> n.as(text -> positiveInt(text, "downloads")))
            .orElse(d.maxDownloads()),
        node.optional("max-header-size")
            .map(n -> n.as(ConfigReader::headerSize))
            .orElse(d.maxHeaderSize()),
        node.optional("idle-timeout")
            .map(n -> n.as(dev.berth.proxy.text.Durations::parsePositive))
            .orElse(d.idleTimeout()),
        node.optional("header-timeout")
            .map(n -> n.as(dev.berth.proxy.text.Durations::parsePositive))
            .orElse(d.headerTimeout()),
        window,
        node.optional("fan-out-memory")
            .map(n -> n.as(text -> fanOutMemory(text, window)))
            .orElse(Math.max(d.fanOutMemory(), window)));
  }

  private static long fanOutWindow(String text) {
    long size = ByteSizes.parse(text);
    if (size < LimitsConfig.MIN_FAN_OUT_WINDOW) {
      throw new InvalidValueException(text, "expected a size of at least 1MiB");
    }
    return size;
  }

  private static long fanOutMemory(String text, long window) {
    long size = ByteSizes.parse(text);
    if (size < window) {
      throw new InvalidValueException(
          text, "expected at least limits.fan-out-window (" + window + " bytes)");
    }
    return size;
  }

  private static TlsConfig tls(ConfigNode node) {
    node.requireMap(TLS_KEYS);
    return new TlsConfig(
        node.required("cert").as(ConfigReader::readableFile),
        node.required("key").as(ConfigReader::readableFile));
  }

  private static Path readableFile(String text) {
    Path file = path(text);
    if (!java.nio.file.Files.isRegularFile(file) || !java.nio.file.Files.isReadable(file)) {
      throw new InvalidValueException(text, "no readable file there");
    }
    return file;
  }

  private static int positiveInt(String text, String what) {
    try {
      int n = Integer.parseInt(text.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidValueException(text, "expected a whole number of " + what + " above zero");
  }

  private static int headerSize(String text) {
    long size = ByteSizes.parse(text);
    if (size < LimitsConfig.MIN_HEADER_SIZE || size > LimitsConfig.MAX_HEADER_SIZE) {
      throw new InvalidValueException(text, "expected a size between 4KiB and 1MiB");
    }
    return (int) size;
  }

  private static CredentialsConfig credentials(ConfigNode node) {
    node.requireMap(CREDENTIALS_KEYS);
    List<Path> files =
        node.optional("docker-config")
            .map(list -> list.list().stream().map(file -> file.as(ConfigReader::path)).toList())
            .orElse(List.of());
    java.time.Duration checkTtl =
        node.optional("check-ttl")
            .map(ttl -> ttl.as(dev.berth.proxy.text.Durations::parse))
            .orElse(CredentialsConfig.DEFAULT_CHECK_TTL);
    boolean nodeIdentity = node.optional("node-identity").map(ConfigNode::bool).orElse(true);
    List<AddressRange> nodeAddresses =
        node.optional("node-addresses")
            .map(list -> list.list().stream().map(a -> a.as(AddressRange::parse)).toList())
            .orElse(List.of());
    java.util.Optional<Path> providerConfig =
        node.optional("provider-config").map(file -> file.as(ConfigReader::fileOrDirectory));
    java.util.Optional<Path> providerBinDir =
        node.optional("provider-bin-dir").map(dir -> dir.as(ConfigReader::directory));
    if (providerConfig.isPresent() && providerBinDir.isEmpty()) {
      node.required("provider-config")
          .as(
              text -> {
                throw new InvalidValueException(
                    text, "needs credentials.provider-bin-dir, the directory of its plugins");
              });
    }
    if (providerBinDir.isPresent() && providerConfig.isEmpty()) {
      node.required("provider-bin-dir")
          .as(
              text -> {
                throw new InvalidValueException(
                    text, "needs credentials.provider-config, the plugins' configuration");
              });
    }
    return new CredentialsConfig(
        files, checkTtl, nodeIdentity, nodeAddresses, providerConfig, providerBinDir);
  }

  /**
   * A kubelet credential provider config: a file, or a directory of them (as newer kubelets take).
   */
  private static Path fileOrDirectory(String text) {
    Path path = path(text);
    if (!java.nio.file.Files.isDirectory(path)) {
      return readableFile(text);
    }
    return path;
  }

  private static Path directory(String text) {
    Path dir = path(text);
    if (!java.nio.file.Files.isDirectory(dir)) {
      throw new InvalidValueException(text, "no directory there");
    }
    return dir;
  }

  /** A file system path; also used for {@code --data}. */
  static Path path(String text) {
    if (text.isBlank()) {
      throw new InvalidValueException(text, "expected a file system path");
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new InvalidValueException(text, "expected a file system path (" + e.getReason() + ")");
    }
  }

  /** {@code none} for no cap, else a size above zero. */
  private static Optional<DiskSize> maxSize(String text) {
    if (text.trim().equals("none")) {
      return Optional.empty();
    }
    try {
      return Optional.of(positiveDiskSize(text));
    } catch (InvalidValueException e) {
      throw new InvalidValueException(text, e.problem() + "; or none for no cap");
    }
  }

  private static DiskSize positiveDiskSize(String text) {
    DiskSize size = DiskSize.parse(text);
    if (size.isZero()) {
      throw new InvalidValueException(
          text, "expected a size above zero, such as 50GiB, or a percentage such as 25%");
    }
    return size;
  }

  /** An image reference as Kubernetes reads it; the upstream it names is checked at start. */
  private static String imageReference(String text) {
    try {
      dev.berth.proxy.image.ImageReference.parseNormalized(text.trim());
      return text.trim();
    } catch (dev.berth.proxy.image.InvalidReferenceException e) {
      throw new InvalidValueException(text, "expected an image reference: " + e.getMessage());
    }
  }

  private static int chunkSize(String text) {
    long size = ByteSizes.parse(text);
    if (size < StorageConfig.MIN_CHUNK_SIZE || size > StorageConfig.MAX_CHUNK_SIZE) {
      throw new InvalidValueException(text, "expected a size between 4KiB and 64MiB");
    }
    return (int) size;
  }
}
