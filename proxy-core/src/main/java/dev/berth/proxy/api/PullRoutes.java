package dev.berth.proxy.api;

import dev.berth.auth.ClientIdentity;
import dev.berth.proxy.access.AccessPolicy;
import dev.berth.proxy.access.NodeClients;
import dev.berth.proxy.image.InvalidReferenceException;
import dev.berth.proxy.metrics.ProxyMetrics;
import dev.berth.proxy.pull.BlobService;
import dev.berth.proxy.pull.ManifestService;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.PeerRing;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UnknownUpstreamException;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamCredentials;
import dev.berth.proxy.upstream.UpstreamRouter;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * Dispatches {@code /v2/<name>/...}: parses the path ({@link V2Path}), routes it to an upstream
 * ({@link UpstreamRouter}), echoes the upstream in {@code OCI-Namespace}, and hands it to the route
 * for manifests, blobs, tags or referrers. Writes (push, delete) are refused with {@code
 * UNSUPPORTED}: berth is a read-only mirror.
 */
public final class PullRoutes {
  /** Routing-context key of the parsed route, for the request metrics' {@code route} label. */
  static final String ROUTE_LABEL = "berth.route";

  private final UpstreamRouter router;
  private final AccessPolicy access;
  private final NodeClients nodeClients;
  private final UpstreamCredentials credentials;
  private final ManifestRoute manifests;
  private final BlobRoute blobs;
  private final TagsRoute tags;
  private final ReferrersRoute referrers;
  private final ManifestService manifestService;

  private final PeerRing peers;

  public PullRoutes(
      UpstreamRouter router,
      AccessPolicy access,
      NodeClients nodeClients,
      UpstreamCredentials credentials,
      UpstreamClient client,
      ManifestService manifestService,
      BlobService blobService,
      StorageAccess storage,
      ProxyMetrics metrics,
      PeerRing peers) {
    this.peers = peers;
    this.router = router;
    this.access = access;
    this.nodeClients = nodeClients;
    this.credentials = credentials;
    this.manifests = new ManifestRoute(manifestService, metrics);
    this.blobs = new BlobRoute(blobService, storage, metrics);
    this.tags = new TagsRoute(client, storage);
    this.referrers = new ReferrersRoute(client);
    this.manifestService = manifestService;
  }

  /** The upstreams requests are routed to; also how admin requests name repositories. */
  public UpstreamRouter upstreams() {
    return router;
  }

  /** What eviction and purges must tell the pull path (it keeps manifests in memory). */
  public dev.berth.storage.eviction.RemovalListener removals() {
    return manifestService.removals();
  }

  /**
   * Handles a request under {@code /v2/}; returns false when the path is no pull endpoint. Records
   * the parsed route in {@code context} under {@link #ROUTE_LABEL}.
   */
  public boolean handle(RoutingContext context) {
    HttpServerRequest request = context.request();
    HttpServerResponse response = request.response();
    response.putHeader(RegistryApi.API_VERSION_HEADER, RegistryApi.API_VERSION);
    Optional<V2Path> parsed;
    try {
      parsed = V2Path.parse(request.path());
    } catch (InvalidReferenceException e) {
      context.put(ROUTE_LABEL, "invalid");
      ErrorResponder.send(response, ErrorResponder.Subject.REPOSITORY, e);
      return true;
    }
    if (parsed.isEmpty()) {
      return false;
    }
    V2Path path = parsed.get();
    context.put(ROUTE_LABEL, path.route().name().toLowerCase(java.util.Locale.ROOT));
    context.put(AccessLog.REPOSITORY, path.name());
    if (path.reference() != null) {
      context.put(AccessLog.REFERENCE, path.reference());
    }
    HttpMethod method = request.method();
    boolean read = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
    if (!read || path.route() == V2Path.Route.BLOB_UPLOAD) {
      new OciError(
              "UNSUPPORTED",
              method + " is not supported: berth is a read-only pull-through cache",
              405)
          .send(response);
      return true;
    }
    RoutedRepository repo;
    try {
      repo = router.route(request.getParam("ns"), path.name());
    } catch (UnknownUpstreamException | InvalidReferenceException e) {
      ErrorResponder.send(response, ErrorResponder.Subject.REPOSITORY, e);
      return true;
    }
    response.putHeader("OCI-Namespace", repo.upstream().name());
    // A peer replica of the cluster tier has authorized its client already: with the tier's
    // token, it reads as the node (the tier's keyring) unless it forwards the client's credential.
    String peerToken = request.getHeader(PeerRing.HEADER);
    boolean fromPeer = peerToken != null && peers.accepts(peerToken);
    if (peerToken != null && !fromPeer) {
      new OciError("UNAUTHORIZED", PeerRing.HEADER + ": not this tier's peer token", 401)
          .send(response);
      return true;
    }
    // Credentials are the identity when present; without, a request from the node is the node's.
    // An Authorization header berth cannot use (Bearer, malformed) is not "without": anonymous.
    String authorization = request.getHeader("Authorization");
    ClientIdentity client =
        ClientIdentity.fromAuthorization(authorization)
            .orNodeIf(
                authorization == null && (fromPeer || nodeClients.isNode(request.remoteAddress())));
    request.pause(); // nothing to read, but keep the request quiet while access is checked
    access
        .authorize(repo, client)
        .compose(allowed -> credentials.candidates(repo, client))
        .map(candidates -> fromPeer ? candidates.asFromPeer() : candidates)
        .onComplete(
            ar -> {
              request.resume();
              if (ar.failed()) {
                ErrorResponder.send(response, subjectOf(path.route()), ar.cause());
                return;
              }
              dispatch(request, path, repo, ar.result());
            });
    return true;
  }

  private void dispatch(
      HttpServerRequest request, V2Path path, RoutedRepository repo, Candidates candidates) {
    HttpServerResponse response = request.response();
    // Every route but the tag list names a reference (V2Path parses it).
    String reference = java.util.Objects.requireNonNullElse(path.reference(), "");
    try {
      switch (path.route()) {
        case MANIFEST -> manifests.handle(request, repo, reference, candidates);
        case BLOB -> blobs.handle(request, repo, reference, candidates);
        case TAGS_LIST -> {
          if (HttpMethod.HEAD.equals(request.method())) {
            response.setStatusCode(200).end();
          } else {
            tags.handle(request, repo, path.name(), candidates);
          }
        }
        case REFERRERS -> referrers.handle(request, repo, reference, candidates);
        default -> new OciError("UNSUPPORTED", "not supported", 405).send(response);
      }
    } catch (InvalidReferenceException e) {
      ErrorResponder.send(response, ErrorResponder.Subject.MANIFEST, e);
    }
  }

  private static ErrorResponder.Subject subjectOf(V2Path.Route route) {
    return switch (route) {
      case MANIFEST -> ErrorResponder.Subject.MANIFEST;
      case BLOB -> ErrorResponder.Subject.BLOB;
      default -> ErrorResponder.Subject.REPOSITORY;
    };
  }
}
