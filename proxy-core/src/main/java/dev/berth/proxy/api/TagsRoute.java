package dev.berth.proxy.api;

import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.calls.TagsList;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /v2/<name>/tags/list[?n=&last=]}: the upstream's list, passed through with its {@code
 * Link} rewritten to berth's own URL (keeping {@code ns}); when the upstream cannot be reached, the
 * tags berth has resolved itself, paginated the same way.
 */
final class TagsRoute {
  private static final Pattern LINK_QUERY = Pattern.compile("<[^>?]*\\?([^>]*)>(.*)");

  private final UpstreamClient client;
  private final StorageAccess storage;

  TagsRoute(UpstreamClient client, StorageAccess storage) {
    this.client = client;
    this.storage = storage;
  }

  void handle(
      HttpServerRequest request,
      RoutedRepository repo,
      String clientName,
      dev.berth.proxy.upstream.Candidates candidates) {
    HttpServerResponse response = request.response();
    String n = request.getParam("n");
    String last = request.getParam("last");
    if (n != null && !n.matches("\\d{1,9}")) {
      new OciError(
              "PAGINATION_NUMBER_INVALID", "n must be a non-negative number, got '" + n + "'", 400)
          .send(response);
      return;
    }
    StringBuilder query = new StringBuilder("tags/list");
    char sep = '?';
    if (n != null) {
      query.append(sep).append("n=").append(n);
      sep = '&';
    }
    if (last != null) {
      query.append(sep).append("last=").append(URLEncoder.encode(last, StandardCharsets.UTF_8));
    }
    client
        .call(repo, new TagsList(query.toString(), repo.toString()), candidates)
        .map(
            page -> {
              if (page.link() != null) {
                response.putHeader(
                    "Link", rewriteLink(page.link(), clientName, request.getParam("ns")));
              }
              return page.body();
            })
        .onSuccess(body -> response.putHeader("Content-Type", "application/json").end(body))
        .onFailure(
            e -> {
              if (e instanceof UpstreamException ue
                  && ue.kind() == UpstreamException.Kind.UNAVAILABLE) {
                local(response, repo, clientName, n, last);
              } else {
                ErrorResponder.send(response, ErrorResponder.Subject.REPOSITORY, e);
              }
            });
  }

  private void local(
      HttpServerResponse response,
      RoutedRepository repo,
      String clientName,
      String n,
      String last) {
    storage
        .run(() -> storage.tags().tags(repo.upstream().name(), repo.repository().value()))
        .compose(
            tags -> {
              List<String> page =
                  tags.stream().filter(t -> last == null || t.compareTo(last) > 0).toList();
              if (n != null) {
                page = page.subList(0, Math.min(page.size(), Integer.parseInt(n)));
              }
              JsonObject body =
                  new JsonObject().put("name", clientName).put("tags", new JsonArray(page));
              return response.putHeader("Content-Type", "application/json").end(body.encode());
            })
        .onFailure(e -> ErrorResponder.send(response, ErrorResponder.Subject.REPOSITORY, e));
  }

  /** Points an upstream {@code Link: </v2/<repo>/tags/list?...>; rel="next"} at berth. */
  static String rewriteLink(String link, String clientName, String ns) {
    Matcher m = LINK_QUERY.matcher(link.trim());
    if (!m.matches()) {
      return link;
    }
    String query = m.group(1);
    if (ns != null && !query.contains("ns=")) {
      query = query + "&ns=" + URLEncoder.encode(ns, StandardCharsets.UTF_8);
    }
    return "</v2/" + clientName + "/tags/list?" + query + ">" + m.group(2);
  }
}
