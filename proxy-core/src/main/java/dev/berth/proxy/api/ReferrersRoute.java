package dev.berth.proxy.api;

import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /v2/<name>/referrers/<digest>[?artifactType=]}: passed through from the upstream. An
 * upstream without the referrers API (404) yields an empty index, as the spec requires of a
 * registry that supports the endpoint.
 */
final class ReferrersRoute {
  private static final String EMPTY_INDEX =
      "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}";
  private static final int MAX_BODY = 4 << 20;

  private final UpstreamClient client;

  ReferrersRoute(UpstreamClient client) {
    this.client = client;
  }

  void handle(
      HttpServerRequest request,
      RoutedRepository repo,
      String digestText,
      dev.berth.proxy.pull.Candidates candidates) {
    HttpServerResponse response = request.response();
    Digest digest;
    try {
      digest = Digest.parse(digestText);
    } catch (InvalidDigestException e) {
      new OciError("DIGEST_INVALID", e.getMessage(), 400).send(response);
      return;
    }
    String artifactType = request.getParam("artifactType");
    String path =
        "referrers/"
            + digest
            + (artifactType == null
                ? ""
                : "?artifactType=" + URLEncoder.encode(artifactType, StandardCharsets.UTF_8));
    String action = "GET referrers of " + repo + "@" + digest;
    client
        .send(
            repo,
            HttpMethod.GET,
            path,
            MultiMap.caseInsensitiveMultiMap(),
            action,
            candidates.list())
        .compose(r -> UpstreamClient.expect(r, repo.upstream().name(), action, 200))
        .compose(
            r -> {
              String filters = r.getHeader("OCI-Filters-Applied");
              if (filters != null) {
                response.putHeader("OCI-Filters-Applied", filters);
              }
              return UpstreamClient.readBounded(r, MAX_BODY, repo.upstream().name(), action);
            })
        .onSuccess(body -> response.putHeader("Content-Type", MediaTypes.OCI_INDEX).end(body))
        .onFailure(
            e -> {
              if (e instanceof UpstreamException ue
                  && ue.kind() == UpstreamException.Kind.NOT_FOUND) {
                response.putHeader("Content-Type", MediaTypes.OCI_INDEX).end(EMPTY_INDEX);
              } else {
                ErrorResponder.send(response, ErrorResponder.Subject.MANIFEST, e);
              }
            });
  }
}
