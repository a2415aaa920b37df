package dev.berth.proxy.prefetch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One normalized platform: as written in a {@code --platform} value, where a missing variant means
 * "any variant", or as read from an index entry, where a missing variant means the architecture's
 * default and is filled in.
 *
 * <p>Normalization follows containerd's {@code platforms.Normalize} (docs/protocol.md §8): lower
 * case, {@code macos} is {@code darwin}, {@code i386} is {@code 386} (its variant dropped), {@code
 * x86_64}/{@code x86-64} are {@code amd64}, {@code aarch64} is {@code arm64} with {@code 8}/{@code
 * v8.0} as {@code v8} and {@code 9}/{@code 9.0}/{@code v9.0} as {@code v9}, {@code armhf} is arm
 * v7, {@code armel} arm v6, and arm's bare {@code 5}..{@code 8} get their {@code v}. One
 * difference: containerd writes a default variant as "none" (amd64 {@code v1} and arm64 {@code v8}
 * become empty), while here the default is written out ({@link #defaultVariant}), because "none"
 * already means "any" in a filter. Either way {@code linux/arm64/v8} and a bare {@code linux/arm64}
 * entry are the same platform.
 *
 * @param variant the normalized variant; in a filter, {@code null} for any; in an entry, never
 *     {@code null} ({@code ""} for an architecture without variants)
 */
record Platform(String os, String architecture, @Nullable String variant) {

  /** A filter element; {@code variant} is {@code null} when the value had none. */
  static Platform ofFilter(String os, String architecture, @Nullable String variant) {
    return normalize(os, architecture, variant);
  }

  /**
   * An OCI index (or Docker manifest list) entry's {@code platform} object, or {@code null} when it
   * has none or one without a usable {@code os} and {@code architecture}.
   */
  static @Nullable Platform ofEntry(@Nullable JsonNode platform) {
    if (platform == null || !platform.isObject()) {
      return null;
    }
    String os = text(platform.get("os"));
    String architecture = text(platform.get("architecture"));
    if (os == null || architecture == null) {
      return null;
    }
    Platform p = normalize(os, architecture, text(platform.get("variant")));
    return p.variant != null
        ? p
        : new Platform(p.os, p.architecture, defaultVariant(p.architecture));
  }

  /** Whether the entry {@code entry} is one this filter element asks for. */
  boolean matches(Platform entry) {
    return os.equals(entry.os)
        && architecture.equals(entry.architecture)
        && (variant == null || variant.equals(entry.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
  }

  private static Platform normalize(String os, String architecture, @Nullable String variant) {
    String o = os.toLowerCase(Locale.ROOT);
    if (o.equals("macos")) {
      o = "darwin";
    }
    String a = architecture.toLowerCase(Locale.ROOT);
    String v = variant == null || variant.isEmpty() ? null : variant.toLowerCase(Locale.ROOT);
    switch (a) {
      case "i386":
        return new Platform(o, "386", null);
      case "x86_64":
      case "x86-64":
        return new Platform(o, "amd64", v);
      case "aarch64":
      case "arm64":
        return new Platform(o, "arm64", arm64Variant(v));
      case "armhf":
        return new Platform(o, "arm", "v7");
      case "armel":
        return new Platform(o, "arm", "v6");
      case "arm":
        return new Platform(o, "arm", armVariant(v));
      default:
        return new Platform(o, a, v);
    }
  }

  private static @Nullable String arm64Variant(@Nullable String v) {
    if (v == null) {
      return null;
    }
    switch (v) {
      case "8":
      case "v8.0":
        return "v8";
      case "9":
      case "9.0":
      case "v9.0":
        return "v9";
      default:
        return v;
    }
  }

  private static @Nullable String armVariant(@Nullable String v) {
    if (v == null) {
      return null;
    }
    switch (v) {
      case "5":
      case "6":
      case "7":
      case "8":
        return "v" + v;
      default:
        return v;
    }
  }

  /**
   * The variant an entry without one has: what containerd's {@code Normalize} gives a bare amd64
   * ({@code v1}), arm64 ({@code v8}) and arm ({@code v7}); nothing for the rest.
   */
  static String defaultVariant(String architecture) {
    switch (architecture) {
      case "amd64":
        return "v1";
      case "arm64":
        return "v8";
      case "arm":
        return "v7";
      default:
        return "";
    }
  }

  private static @Nullable String text(@Nullable JsonNode node) {
    return node != null && node.isTextual() && !node.asText().isBlank()
        ? node.asText().strip()
        : null;
  }
}
