package dev.berth.proxy.upstream.calls;

import dev.berth.proxy.upstream.Answer;
import dev.berth.proxy.upstream.RegistryCall;
import dev.berth.storage.Digest;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/**
 * {@code HEAD /v2/<name>/blobs/<digest>}: whether the upstream has the blob through this
 * repository, and its size (-1 when not said).
 */
public final class BlobHead implements RegistryCall<Long> {
  private final Digest digest;
  private final String action;

  /**
   * @param what what is asked, for messages: {@code blob docker.io/library/nginx}
   */
  public BlobHead(Digest digest, String what) {
    this.digest = digest;
    this.action = "HEAD " + what + "@" + digest;
  }

  @Override
  public HttpMethod method() {
    return HttpMethod.HEAD;
  }

  @Override
  public String path() {
    return "blobs/" + digest;
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
  public Future<Long> read(Answer answer) {
    answer.discard();
    return Future.succeededFuture(answer.contentLength());
  }
}
