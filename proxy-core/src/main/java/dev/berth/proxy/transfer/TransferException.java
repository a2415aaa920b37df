package dev.berth.proxy.transfer;

/** An image cannot be exported or imported; the message names the image and what is missing. */
public final class TransferException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TransferException(String message) {
    super(message);
  }

  public TransferException(String message, Throwable cause) {
    super(message, cause);
  }
}
