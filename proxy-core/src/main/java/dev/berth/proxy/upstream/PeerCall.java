package dev.berth.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;

/**
 * A call as a replica sends it to a peer: the same, with the tier's token in {@link
 * PeerRing#HEADER}.
 */
final class PeerCall<T> implements RegistryCall<T> {
  private final RegistryCall<T> call;
  private final String token;

  PeerCall(RegistryCall<T> call, String token) {
    this.call = call;
    this.token = token;
  }

  @Override
  public HttpMethod method() {
    return call.method();
  }

  @Override
  public String path() {
    return call.path();
  }

  @Override
  public MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap().addAll(call.headers()).set(PeerRing.HEADER, token);
  }

  @Override
  public String action() {
    return call.action() + " from the owning replica";
  }

  @Override
  public boolean accepts(int status) {
    return call.accepts(status);
  }

  @Override
  public Future<T> read(Answer answer) {
    return call.read(answer);
  }
}
