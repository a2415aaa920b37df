package dev.berth.proxy.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * An error as the OCI Distribution spec defines it: a code from the spec's table, a message for
 * humans and the HTTP status. Rendered in exactly one place, {@link #send}, as {@code
 * {"errors":[{"code":...,"message":...,"detail":{}}]}}.
 *
 * @param code an OCI error code such as {@code NAME_UNKNOWN} or {@code UNSUPPORTED}
 * @param message one sentence for the client's user
 * @param httpStatus the response status
 */
public record OciError(String code, String message, int httpStatus) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public OciError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    if (httpStatus < 400 || httpStatus > 599) {
      throw new IllegalArgumentException("httpStatus " + httpStatus + " is not an error status");
    }
  }

  /** A route berth does not serve (yet, or ever, like pushes). */
  public static OciError unsupported(int httpStatus) {
    return new OciError("UNSUPPORTED", "the requested operation is not supported", httpStatus);
  }

  /** A failure inside berth; the details go to the log, not to the client. */
  public static OciError internal() {
    return new OciError("UNKNOWN", "internal error", 500);
  }

  /** The response body. */
  public String toJson() {
    ObjectNode error = JSON.createObjectNode();
    error.put("code", code);
    error.put("message", message);
    error.putObject("detail");
    ObjectNode body = JSON.createObjectNode();
    ArrayNode errors = body.putArray("errors");
    errors.add(error);
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends {@code response} with this error: status, JSON body and the API version header. */
  public Future<Void> send(HttpServerResponse response) {
    return response
        .setStatusCode(httpStatus)
        .putHeader(RegistryApi.API_VERSION_HEADER, RegistryApi.API_VERSION)
        .putHeader("Content-Type", "application/json")
        .end(toJson());
  }
}
