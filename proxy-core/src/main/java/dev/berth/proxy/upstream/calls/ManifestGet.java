package dev.berth.proxy.upstream.calls;

import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.upstream.Answer;
import dev.berth.proxy.upstream.RegistryCall;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /v2/<name>/manifests/<reference>}: the manifest's bytes, at most {@link #MAX_BYTES}
 * (distribution's own limit for manifests it accepts). The caller hashes and checks them.
 */
public final class ManifestGet implements RegistryCall<ManifestGet.Fetched> {
  public static final int MAX_BYTES = 4 << 20;

  /**
   * @param bytes the body
   * @param contentType the upstream's {@code Content-Type}, null when absent
   * @param digestHeader the upstream's {@code Docker-Content-Digest}, null when absent
   */
  // The bytes are served, never compared: a manifest's identity is its digest.
  @SuppressWarnings("ArrayRecordComponent")
  public record Fetched(
      byte[] bytes, @Nullable String contentType, @Nullable String digestHeader) {}

  private final String reference;
  private final String action;

  /**
   * @param reference a tag or digest
   * @param repository the repository for messages, e.g. {@code docker.io/library/nginx}
   */
  public ManifestGet(String reference, String repository) {
    this.reference = reference;
    this.action = "GET " + repository + "/manifests/" + reference;
  }

  @Override
  public HttpMethod method() {
    return HttpMethod.GET;
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
  public Future<Fetched> read(Answer answer) {
    return answer
        .body(MAX_BYTES)
        .map(
            body ->
                new Fetched(
                    body.getBytes(),
                    answer.header("Content-Type"),
                    answer.header("Docker-Content-Digest")));
  }
}
