package dev.berth.proxy.api;

import dev.berth.proxy.image.Reference;
import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.proxy.pull.ManifestService;
import dev.berth.proxy.pull.ServedManifest;
import dev.berth.proxy.upstream.RoutedRepository;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * {@code GET|HEAD /v2/<name>/manifests/<reference>}: the manifest bytes exactly as the upstream
 * sent them, with their media type, {@code Docker-Content-Digest}, {@code Content-Length} and
 * {@code ETag}; 404 when the client's {@code Accept} does not allow the stored type (berth never
 * converts manifests).
 */
final class ManifestRoute {
  private final ManifestService manifests;
  private final ProxyMetrics metrics;

  ManifestRoute(ManifestService manifests, ProxyMetrics metrics) {
    this.manifests = manifests;
    this.metrics = metrics;
  }

  void handle(
      HttpServerRequest request,
      RoutedRepository repo,
      String referenceText,
      dev.berth.proxy.upstream.Candidates candidates) {
    HttpServerResponse response = request.response();
    Reference reference = Reference.parse(referenceText);
    boolean head = HttpMethod.HEAD.equals(request.method());
    AcceptHeader accept = AcceptHeader.parse(request.headers().getAll("Accept"));
    manifests
        .get(repo, reference, head, candidates)
        .onSuccess(served -> respond(request, response, served, accept, head))
        .onFailure(e -> ErrorResponder.send(response, ErrorResponder.Subject.MANIFEST, e));
  }

  private void respond(
      HttpServerRequest request,
      HttpServerResponse response,
      ServedManifest served,
      AcceptHeader accept,
      boolean head) {
    var d = served.descriptor();
    boolean hit = served.source() == ServedManifest.Source.CACHE;
    metrics.cacheRequest("manifest", hit);
    response.putHeader(
        CacheHeader.NAME, served.staleAge() != null ? "stale" : hit ? "hit" : "miss");
    if (!accept.accepts(d.mediaType())) {
      new OciError(
              "MANIFEST_UNKNOWN",
              "manifest is " + d.mediaType() + ", which the request's Accept header does not allow",
              404)
          .send(response);
      return;
    }
    String etag = "\"" + d.digest() + "\"";
    if (served.staleAge() != null) {
      // stale-if-error: the tag could not be revalidated upstream
      response
          .putHeader("Warning", "110 - \"Response is Stale\"")
          .putHeader("Berth-Stale-Seconds", Long.toString(served.staleAge().toSeconds()));
    }
    response
        .putHeader("Docker-Content-Digest", d.digest().toString())
        .putHeader("ETag", etag)
        .putHeader("Content-Type", d.mediaType())
        .putHeader("Content-Length", Long.toString(d.size()));
    String ifNoneMatch = request.getHeader("If-None-Match");
    if (ifNoneMatch != null
        && (ifNoneMatch.trim().equals(etag) || ifNoneMatch.trim().equals(d.digest().toString()))) {
      response.setStatusCode(304).end();
      return;
    }
    byte[] bytes = served.bytes();
    if (head || bytes == null) {
      response.end();
      return;
    }
    metrics.servedBytes(served.source() == ServedManifest.Source.CACHE, bytes.length);
    response.end(Buffer.buffer(bytes));
  }
}
