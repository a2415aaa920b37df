package dev.berth.proxy.upstream.calls;

import dev.berth.proxy.upstream.Answer;
import dev.berth.proxy.upstream.RegistryCall;
import dev.berth.storage.Digest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /v2/<name>/referrers/<digest>[?artifactType=]}: the upstream's referrers index, at
 * most {@link #MAX_BYTES}, and whether it applied the filter ({@code OCI-Filters-Applied}).
 */
public final class Referrers implements RegistryCall<Referrers.Index> {
  static final int MAX_BYTES = 4 << 20;

  public record Index(Buffer body, @Nullable String filtersApplied) {}

  private final Digest digest;
  private final @Nullable String artifactType;
  private final String action;

  public Referrers(Digest digest, @Nullable String artifactType, String repository) {
    this.digest = digest;
    this.artifactType = artifactType;
    this.action = "GET referrers of " + repository + "@" + digest;
  }

  @Override
  public HttpMethod method() {
    return HttpMethod.GET;
  }

  @Override
  public String path() {
    return "referrers/"
        + digest
        + (artifactType == null
            ? ""
            : "?artifactType=" + URLEncoder.encode(artifactType, StandardCharsets.UTF_8));
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
  public Future<Index> read(Answer answer) {
    String filters = answer.header("OCI-Filters-Applied");
    return answer.body(MAX_BYTES).map(body -> new Index(body, filters));
  }
}
