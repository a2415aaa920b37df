package dev.berth.proxy.upstream;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An upstream call failed. The {@link Kind} decides the client's answer (one responder maps it to
 * an OCI error); the message names the action, the upstream and what went wrong, never a secret.
 */
public final class UpstreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** How a call failed, as far as callers need to tell failures apart. */
  public enum Kind {
    /** 404: the upstream does not have it. */
    NOT_FOUND,
    /** 401 after the auth dance: credentials missing or refused. */
    UNAUTHORIZED,
    /** 403. */
    DENIED,
    /** 429, with an optional {@code Retry-After}. */
    TOO_MANY_REQUESTS,
    /** Connect error, timeout, reset, 5xx: the upstream is not answering properly. */
    UNAVAILABLE,
    /** An answer berth cannot use: wrong digest, oversized manifest, unexpected status. */
    BAD_RESPONSE,
    /** berth refused to proceed, e.g. a token realm outside the upstream's domain. */
    REFUSED
  }

  /**
   * The header a berth puts on an error answer that is its registry's failure, not its own (its
   * value names the upstream, or says the bytes were wrong): a node takes it from its parent as
   * final instead of asking the failing registry again itself.
   */
  public static final String RELAYED_HEADER = "Berth-Upstream-Failure";

  private final Kind kind;
  private final String upstream;
  private final @Nullable Duration retryAfter;
  private final Source source;

  /**
   * How a body that stopped short is described everywhere ({@code "connection broke after N bytes
   * (cause)"}), so that logs and errors read the same whichever path saw the break.
   */
  public static String brokeAfter(long bytes, Throwable cause) {
    return "connection broke after " + bytes + " bytes (" + cause + ")";
  }

  public UpstreamException(Kind kind, String upstream, String message) {
    this(kind, upstream, message, null, null);
  }

  public UpstreamException(
      Kind kind,
      String upstream,
      String message,
      @Nullable Duration retryAfter,
      @Nullable Throwable cause) {
    this(kind, upstream, message, retryAfter, cause, Source.LOCAL);
  }

  /**
   * @param source who failed: this berth, the registry's answer, or another berth relaying it
   */
  public UpstreamException(
      Kind kind,
      String upstream,
      String message,
      @Nullable Duration retryAfter,
      @Nullable Throwable cause,
      Source source) {
    super(message, cause);
    this.kind = kind;
    this.upstream = upstream;
    this.retryAfter = retryAfter;
    this.source = source;
  }

  /** Where a failure comes from, as far as a berth below needs to know. */
  public enum Source {
    /**
     * This berth: it could not reach the registry (DNS, connect, its egress), refused an answer by
     * its own limits or policy, or gave up mid-body. A node below may do better itself.
     */
    LOCAL,
    /** The registry answered with this failure (a 5xx). */
    REGISTRY,
    /** A parent or peer berth answered with its registry's failure ({@link #RELAYED_HEADER}). */
    RELAYED
  }

  public Kind kind() {
    return kind;
  }

  /** The configured name of the upstream that failed. */
  public String upstream() {
    return upstream;
  }

  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Who failed. */
  public Source source() {
    return source;
  }

  /** Whether a parent or peer berth answered with this as its registry's failure. */
  public boolean relayed() {
    return source == Source.RELAYED;
  }
}
