package dev.berth.proxy.upstream;

/** A request named a registry berth is not configured to proxy; no connection was made. */
public final class UnknownUpstreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UnknownUpstreamException(String message) {
    super(message);
  }
}
