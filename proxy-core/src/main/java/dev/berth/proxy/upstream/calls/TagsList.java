package dev.berth.proxy.upstream.calls;

import dev.berth.proxy.upstream.Answer;
import dev.berth.proxy.upstream.RegistryCall;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /v2/<name>/tags/list[?n=&last=]}: one page of the tag list, at most {@link
 * #MAX_BYTES}, with the upstream's {@code Link} to the next page.
 */
public final class TagsList implements RegistryCall<TagsList.Page> {
  static final int MAX_BYTES = 4 << 20;

  public record Page(Buffer body, @Nullable String link) {}

  private final String query;
  private final String action;

  /**
   * @param query {@code tags/list} with its query string, already encoded
   * @param repository for messages
   */
  public TagsList(String query, String repository) {
    this.query = query;
    this.action = "GET tags of " + repository;
  }

  @Override
  public HttpMethod method() {
    return HttpMethod.GET;
  }

  @Override
  public String path() {
    return query;
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
  public Future<Page> read(Answer answer) {
    String link = answer.header("Link");
    return answer.body(MAX_BYTES).map(body -> new Page(body, link));
  }
}
