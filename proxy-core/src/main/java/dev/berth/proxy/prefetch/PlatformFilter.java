package dev.berth.proxy.prefetch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Which children of an image index {@code berth prefetch} fetches, from {@code --platform} values
 * such as {@code linux/amd64,linux/arm64}. The default, {@link #ALL}, fetches every child, so that
 * the cache serves whichever node pulls.
 *
 * <p>Each value is {@code os/arch[/variant]}, several separated by commas or given as repeated
 * options; case does not matter. Names are normalized as containerd does (see {@link Platform}):
 * {@code linux/x86_64} is {@code linux/amd64}, {@code linux/aarch64} is {@code linux/arm64}, {@code
 * linux/armhf} is {@code linux/arm/v7}.
 *
 * <p>Matching is meant for warming a cache, so it errs towards fetching a child that a node might
 * pull:
 *
 * <ul>
 *   <li>a filter without a variant matches every variant of its os and architecture: {@code
 *       linux/amd64} matches {@code amd64/v3} too, {@code linux/arm} matches {@code arm/v6} and
 *       {@code arm/v7};
 *   <li>a filter with a variant matches that variant only, where an entry without one has its
 *       architecture's default ({@code v8} for arm64, {@code v7} for arm, {@code v1} for amd64):
 *       {@code linux/arm64/v8} matches a bare {@code linux/arm64} entry;
 *   <li>an entry without a platform, or with BuildKit's {@code unknown/unknown} (attestations),
 *       matches only {@link #ALL}. It is not lost: an attestation is fetched along with its image
 *       when the caller follows the index's references, not through this filter.
 * </ul>
 *
 * <p>Unlike containerd's {@code Only}, no filter pulls in a compatible but different platform
 * ({@code 386} for {@code amd64}, older arm variants for newer ones): that is a node's fallback
 * when its own platform is missing, and the operator names the platforms they run.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PlatformFilter {
  /** Matches every entry, with a platform or without. */
  public static final PlatformFilter ALL = new PlatformFilter(List.of());

  private static final String ALL_KEYWORD = "all";

  // containerd's specifier pattern ([A-Za-z0-9_.-]+), after lowering case.
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9_.-]+");

  private static final String EXPECTED = "expected os/arch[/variant], such as linux/arm64";

  // Empty for ALL.
  private final List<Platform> platforms;

  private PlatformFilter(List<Platform> platforms) {
    this.platforms = platforms;
  }

  /**
   * Parses one {@code --platform} value: platforms separated by commas, or {@code all}.
   *
   * @throws PrefetchInputException naming the value and the bad platform in it
   */
  public static PlatformFilter parse(String value) {
    return parse(List.of(value));
  }

  /**
   * Parses the values of a repeated {@code --platform} option, each as {@link #parse(String)};
   * duplicates are dropped. No values at all, the option not given, is {@link #ALL}.
   *
   * @throws PrefetchInputException naming the value and the bad platform in it
   */
  public static PlatformFilter parse(List<String> values) {
    Set<Platform> platforms = new LinkedHashSet<>();
    boolean all = false;
    for (String value : values) {
      for (String item : value.split(",", -1)) {
        String platform = item.strip();
        if (platform.equalsIgnoreCase(ALL_KEYWORD)) {
          all = true;
        } else {
          platforms.add(platform(value, platform));
        }
      }
    }
    if (all && !platforms.isEmpty()) {
      throw new PrefetchInputException(
          "invalid platform list '"
              + String.join(",", values)
              + "': 'all' cannot be combined with other platforms");
    }
    return platforms.isEmpty() ? ALL : new PlatformFilter(List.copyOf(platforms));
  }

  private static Platform platform(String value, String platform) {
    if (platform.isEmpty()) {
      throw new PrefetchInputException(
          "invalid platform list '" + value + "': empty platform; " + EXPECTED);
    }
    String[] parts = platform.toLowerCase(Locale.ROOT).split("/", -1);
    if (parts.length < 2 || parts.length > 3) {
      throw invalid(value, platform, EXPECTED);
    }
    for (String part : parts) {
      if (!COMPONENT.matcher(part).matches()) {
        throw invalid(value, platform, EXPECTED + ", each part of letters, digits, '_', '.', '-'");
      }
    }
    Platform p = Platform.ofFilter(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    if (p.os().equals("unknown") || p.architecture().equals("unknown")) {
      // BuildKit's attestation entries say unknown/unknown; a filter for them would match
      // nothing else and is surely a mistake.
      throw invalid(value, platform, "'unknown' is not a platform to pull; " + EXPECTED);
    }
    return p;
  }

  private static PrefetchInputException invalid(String value, String platform, String problem) {
    String where = value.strip().equals(platform) ? "" : " in '" + value + "'";
    return new PrefetchInputException(
        "invalid platform '" + platform + "'" + where + ": " + problem);
  }

  /** Whether this is {@link #ALL}, so that a caller can skip looking at platforms at all. */
  /**
   * An index entry's platform for people ({@code linux/arm64/v8}, normalized as filters are), or
   * {@code unknown} when it has none.
   */
  public static String describe(@Nullable JsonNode platform) {
    Platform p = Platform.ofEntry(platform);
    return p == null ? "unknown" : p.toString();
  }

  public boolean isAll() {
    return platforms.isEmpty();
  }

  /**
   * Whether to fetch the index entry with this platform.
   *
   * @param platform the entry's {@code platform} object ({@code os}, {@code architecture}, optional
   *     {@code variant}), or {@code null} or a missing node when it has none
   */
  public boolean matches(@Nullable JsonNode platform) {
    if (isAll()) {
      return true;
    }
    Platform entry = Platform.ofEntry(platform);
    if (entry == null) {
      return false;
    }
    for (Platform wanted : platforms) {
      if (wanted.matches(entry)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PlatformFilter other && platforms.equals(other.platforms);
  }

  @Override
  public int hashCode() {
    return platforms.hashCode();
  }

  /**
   * The normalized platforms, comma-separated as {@link #parse(String)} reads them, or {@code all}.
   */
  @Override
  public String toString() {
    if (isAll()) {
      return ALL_KEYWORD;
    }
    return platforms.stream().map(Platform::toString).collect(Collectors.joining(","));
  }
}
