package dev.berth.proxy.policy;

import dev.berth.proxy.text.Durations;
import dev.berth.proxy.text.InvalidValueException;
import java.time.Duration;
import java.util.Objects;

/**
 * When a request for a tag may be answered from cache and when the tag must be resolved at the
 * upstream again. Requests by digest never need this: content addressed by digest is immutable.
 *
 * <p>Config forms, as {@link #parse} accepts and {@code toString} writes them: {@code always},
 * {@code if-not-present}, {@code never}, {@code ttl:<duration>} (duration grammar in {@link
 * Durations}) and {@code kubernetes}.
 */
public sealed interface PullPolicy {
  String EXPECTED = "expected always, if-not-present, never, ttl:<duration> or kubernetes";

  /**
   * Parses the config form of a policy.
   *
   * @throws InvalidValueException naming the text and the accepted forms
   */
  static PullPolicy parse(String text) {
    switch (text) {
      case "always":
        return Always.INSTANCE;
      case "if-not-present":
        return IfNotPresent.INSTANCE;
      case "never":
        return Never.INSTANCE;
      case "kubernetes":
        return KubernetesDefault.INSTANCE;
      default:
        if (text.startsWith(Ttl.PREFIX)) {
          return Ttl.parse(text);
        }
        throw new InvalidValueException(text, EXPECTED);
    }
  }

  /** Every tag request resolves the tag at the upstream (a {@code HEAD}). */
  record Always() implements PullPolicy {
    public static final Always INSTANCE = new Always();

    @Override
    public String toString() {
      return "always";
    }
  }

  /** A cached tag is served without asking upstream; only a missing one is fetched. */
  record IfNotPresent() implements PullPolicy {
    public static final IfNotPresent INSTANCE = new IfNotPresent();

    @Override
    public String toString() {
      return "if-not-present";
    }
  }

  /** Only what is cached is served; a miss is a 404 (air-gapped nodes, pre-loaded caches). */
  record Never() implements PullPolicy {
    public static final Never INSTANCE = new Never();

    @Override
    public String toString() {
      return "never";
    }
  }

  /**
   * {@code latest} (or no tag) behaves as {@link Always}, any other tag as {@link IfNotPresent}.
   */
  record KubernetesDefault() implements PullPolicy {
    public static final KubernetesDefault INSTANCE = new KubernetesDefault();

    @Override
    public String toString() {
      return "kubernetes";
    }
  }

  /**
   * A cached tag resolution is served until it is older than {@code maxAge}, then revalidated.
   *
   * @param maxAge positive; zero would be {@link Always} under another name
   */
  record Ttl(Duration maxAge) implements PullPolicy {
    static final String PREFIX = "ttl:";

    public Ttl {
      Objects.requireNonNull(maxAge, "maxAge");
      if (maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
      }
    }

    static Ttl parse(String text) {
      String problem =
          "expected ttl:<duration> with a positive duration such as ttl:10m or ttl:1h30m";
      Duration maxAge;
      try {
        maxAge = Durations.parse(text.substring(PREFIX.length()));
      } catch (InvalidValueException e) {
        throw new InvalidValueException(text, problem);
      }
      if (maxAge.isZero()) {
        throw new InvalidValueException(text, problem + " (for no caching of tags use always)");
      }
      return new Ttl(maxAge);
    }

    @Override
    public String toString() {
      return PREFIX + Durations.format(maxAge);
    }
  }
}
