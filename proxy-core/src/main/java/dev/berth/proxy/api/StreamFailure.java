package dev.berth.proxy.api;

import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a blob response that streams ({@link BlobStreamer} from storage, {@link LiveStreamer} from a
 * live download's memory) ends when something fails: one rule for both, so that a client sees the
 * same whichever path served it. The caller closes its own source first.
 */
final class StreamFailure {
  private static final Logger log = LoggerFactory.getLogger(StreamFailure.class);

  private StreamFailure() {}

  /**
   * The source failed. After the last byte there is nothing to abort; before the first, {@code
   * takeOver} may answer the response itself (the service's recovery); otherwise the error is sent,
   * which resets a response whose head went out.
   */
  static void stop(
      HttpServerResponse response,
      Promise<Void> done,
      Throwable cause,
      Predicate<Throwable> takeOver) {
    if (response.ended()) {
      done.tryComplete(); // the close came after the last byte: nothing to abort
      return;
    }
    if (done.tryFail(cause)) {
      if (!response.headWritten() && takeOver.test(cause)) {
        return;
      }
      ErrorResponder.send(response, ErrorResponder.Subject.BLOB, cause);
    }
  }

  /**
   * Bytes never reached the socket (no direct buffer to copy into, or the channel broke): going on
   * would leave a hole the client waits on until its idle timeout, so the connection is cut now and
   * the client retries.
   *
   * @return whether this ended the stream (false when it had ended already)
   */
  static boolean writeFailed(HttpServerResponse response, Promise<Void> done, Throwable cause) {
    if (!done.tryFail(cause)) {
      return false;
    }
    log.warn("writing a blob to a client failed, closing its connection: {}", cause.toString());
    response.reset();
    return true;
  }
}
