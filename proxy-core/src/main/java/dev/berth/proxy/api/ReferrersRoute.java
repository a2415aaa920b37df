package dev.berth.proxy.api;

import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.text.Messages;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.proxy.upstream.calls.Referrers;
import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * {@code GET /v2/<name>/referrers/<digest>[?artifactType=]}: passed through from the upstream. An
 * upstream without the referrers API (404) yields an empty index, as the spec requires of a
 * registry that supports the endpoint.
 */
final class ReferrersRoute {
  private static final String EMPTY_INDEX =
      "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}";

  private final UpstreamClient client;

  ReferrersRoute(UpstreamClient client) {
    this.client = client;
  }

  void handle(
      HttpServerRequest request,
      RoutedRepository repo,
      String digestText,
      dev.berth.proxy.upstream.Candidates candidates) {
    HttpServerResponse response = request.response();
    Digest digest;
    try {
      digest = Digest.parse(digestText);
    } catch (InvalidDigestException e) {
      new OciError("DIGEST_INVALID", Messages.of(e), 400).send(response);
      return;
    }
    client
        .call(
            repo,
            new Referrers(digest, request.getParam("artifactType"), repo.toString()),
            candidates)
        .map(
            index -> {
              if (index.filtersApplied() != null) {
                response.putHeader("OCI-Filters-Applied", index.filtersApplied());
              }
              return index.body();
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
