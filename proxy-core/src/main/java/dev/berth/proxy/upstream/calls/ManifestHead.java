package dev.berth.proxy.upstream.calls;

import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.upstream.Answer;
import dev.berth.proxy.upstream.RegistryCall;
import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import java.util.Optional;

/**
 * {@code HEAD /v2/<name>/manifests/<tag>}: what a tag points at, from the upstream's headers (a
 * HEAD is not a pull on Docker Hub). Empty when the upstream left out the digest, type or length;
 * the caller then GETs the manifest and hashes it itself.
 */
public final class ManifestHead implements RegistryCall<Optional<ManifestHead.Descriptor>> {
  /** What the headers said. */
  public record Descriptor(Digest digest, String mediaType, long size) {}

  private final String reference;
  private final String action;

  /**
   * @param reference a tag or digest
   * @param what the repository and reference for messages, e.g. {@code docker.io/library/nginx:1}
   */
  public ManifestHead(String reference, String what) {
    this.reference = reference;
    this.action = "HEAD manifest " + what;
  }

  @Override
  public HttpMethod method() {
    return HttpMethod.HEAD;
  }

  @Override
  public String path() {
    return "manifests/" + reference;
  }

  @Override
  public MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap().add("Accept", MediaTypes.UPSTREAM_ACCEPT_HEADER);
  }

  @Override
  public String action() {
    return action;
  }

  @Override
  public boolean accepts(int status) {
    return status == 200;
  }

  @Override
  public Future<Optional<Descriptor>> read(Answer answer) {
    answer.discard();
    String digest = answer.header("Docker-Content-Digest");
    String type = answer.header("Content-Type");
    String length = answer.header("Content-Length");
    if (digest == null || type == null || length == null) {
      return Future.succeededFuture(Optional.empty());
    }
    try {
      return Future.succeededFuture(
          Optional.of(
              new Descriptor(
                  Digest.parse(digest.trim()),
                  MediaTypes.normalize(type),
                  Long.parseLong(length.trim()))));
    } catch (InvalidDigestException | NumberFormatException e) {
      return Future.succeededFuture(Optional.empty()); // unusable: the GET decides
    }
  }
}
