package dev.berth.proxy.access;

/**
 * The client may not read this repository from berth's cache: it presented no credentials for a
 * repository the upstream does not serve anonymously, or the upstream refused its credentials.
 * Answered with a 401 Basic challenge, which makes containerd send the pod's pull secret.
 */
public final class AccessDeniedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AccessDeniedException(String message) {
    super(message);
  }
}
