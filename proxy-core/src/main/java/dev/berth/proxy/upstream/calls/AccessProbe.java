package dev.berth.proxy.upstream.calls;

import dev.berth.proxy.upstream.Answer;
import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RegistryCall;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/**
 * Whether an identity may read a repository: {@code GET tags/list?n=1} with exactly that identity's
 * credentials. 200 is a yes; 401, 403 and other 4xx answers are a no; 5xx and 429 fail with an
 * {@link UpstreamException} (the upstream could not answer the question).
 */
public final class AccessProbe implements RegistryCall<Boolean> {
  private final String action;

  private AccessProbe(RoutedRepository repo) {
    this.action = "access check " + repo;
  }

  /** Asks the upstream; a refused credential (after the challenge dance) is a no, not a failure. */
  public static Future<Boolean> ask(
      UpstreamClient client, RoutedRepository repo, Candidates candidates) {
    return client
        .call(repo, new AccessProbe(repo), candidates)
        .recover(
            e ->
                e instanceof UpstreamException ue
                        && (ue.kind() == UpstreamException.Kind.UNAUTHORIZED
                            || ue.kind() == UpstreamException.Kind.DENIED)
                    ? Future.succeededFuture(false)
                    : Future.failedFuture(e));
  }

  @Override
  public HttpMethod method() {
    return HttpMethod.GET;
  }

  @Override
  public String path() {
    return "tags/list?n=1";
  }

  @Override
  public String action() {
    return action;
  }

  @Override
  public boolean accepts(int status) {
    return status < 500 && status != 429;
  }

  @Override
  public Future<Boolean> read(Answer answer) {
    answer.discard();
    return Future.succeededFuture(answer.status() == 200);
  }
}
