package dev.berth.proxy.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.proxy.image.InvalidReferenceException;
import dev.berth.proxy.retention.CacheKeeper;
import dev.berth.proxy.retention.PinReferences;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UnknownUpstreamException;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import dev.berth.storage.Pin;
import dev.berth.storage.eviction.CacheInventory;
import dev.berth.storage.eviction.CollectionReport;
import dev.berth.storage.eviction.PurgeTarget;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * The cache on the admin port (never on the registry port: these change and reveal the cache):
 *
 * <ul>
 *   <li>{@code GET /admin/cache[?repository=NAME]}: repositories with their tags, manifests and
 *       blobs (size, last access, pinned), as JSON;
 *   <li>{@code DELETE /admin/cache?repository=NAME[&tag=T]} or {@code ?digest=D}: purges a
 *       repository, a tag or one blob or manifest, and reports what went;
 *   <li>{@code POST /admin/gc}: what {@code berth gc} does, on a running server;
 *   <li>{@code GET /admin/pins}, {@code PUT|DELETE /admin/pins?image=REF}: pins.
 * </ul>
 *
 * Repository names are read as image names are ({@code nginx} is {@code docker.io/library/nginx}),
 * against the configured upstreams. All work runs on a worker.
 */
public final class CacheRoutes {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final CacheOperations cache;
  private final UpstreamRouter upstreams;

  /**
   * Cache operations run on workers of their own. They serialize on the cache (a gc holds it for
   * minutes and the next purge waits), and on Vert.x's shared pool such waiters would take every
   * thread that readiness, scrapes and the periodic checks need.
   */
  private final WorkerExecutor workers;

  private CacheRoutes(Vertx vertx, CacheOperations cache, UpstreamRouter upstreams) {
    this.workers = vertx.createSharedWorkerExecutor("berth-cache-admin", 2);
    this.cache = cache;
    this.upstreams = upstreams;
  }

  public static void mount(
      Router router, Vertx vertx, CacheOperations cache, UpstreamRouter upstreams) {
    CacheRoutes routes = new CacheRoutes(vertx, cache, upstreams);
    router.get("/admin/cache").handler(routes::list);
    router.delete("/admin/cache").handler(routes::purge);
    router.post("/admin/gc").handler(routes::gc);
    router.get("/admin/pins").handler(routes::listPins);
    router.put("/admin/pins").handler(routes::pin);
    router.delete("/admin/pins").handler(routes::unpin);
  }

  /** A request the operator can fix: 400 with the reason. */
  private static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  private static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message);
    }
  }

  private void list(RoutingContext context) {
    respond(
        context,
        () -> {
          Optional<RoutedRepository> only =
              optionalParam(context, "repository").map(this::repository);
          return inventoryJson(cache.withKeeper(CacheKeeper::inventory), only.orElse(null));
        });
  }

  private void purge(RoutingContext context) {
    respond(
        context,
        () -> {
          PurgeTarget target = purgeTarget(context);
          Optional<CollectionReport> report = cache.withKeeper(k -> k.purge(target));
          return reportJson(
              report.orElseThrow(() -> new NotFound("nothing cached matches " + describe(target))));
        });
  }

  private PurgeTarget purgeTarget(RoutingContext context) {
    Optional<String> digest = optionalParam(context, "digest");
    Optional<String> repository = optionalParam(context, "repository");
    Optional<String> tag = optionalParam(context, "tag");
    if (digest.isPresent()) {
      if (repository.isPresent() || tag.isPresent()) {
        throw new BadRequest("give either digest, or repository with an optional tag");
      }
      try {
        return new PurgeTarget.Content(Digest.parse(digest.get()));
      } catch (InvalidDigestException e) {
        throw new BadRequest("digest: " + e.getMessage());
      }
    }
    if (repository.isEmpty()) {
      throw new BadRequest(
          "name what to purge: ?repository=NAME, ?repository=NAME&tag=TAG or ?digest=DIGEST");
    }
    RoutedRepository repo = repository(repository.get());
    String upstream = repo.upstream().name();
    return tag.<PurgeTarget>map(t -> new PurgeTarget.Tag(upstream, repo.repository().value(), t))
        .orElse(new PurgeTarget.Repository(upstream, repo.repository().value()));
  }

  private static String describe(PurgeTarget target) {
    if (target instanceof PurgeTarget.Content c) {
      return c.digest().toString();
    } else if (target instanceof PurgeTarget.Tag t) {
      return t.upstream() + "/" + t.repository() + ":" + t.tag();
    }
    PurgeTarget.Repository r = (PurgeTarget.Repository) target;
    return r.upstream() + "/" + r.repository();
  }

  private void gc(RoutingContext context) {
    respond(context, () -> gcJson(cache.withKeeper(CacheKeeper::gc)));
  }

  private void listPins(RoutingContext context) {
    respond(
        context,
        () -> {
          ArrayNode pins = JSON.arrayNode();
          cache.withKeeper(CacheKeeper::pins).forEach(p -> pins.add(p.toString()));
          return JSON.objectNode().set("pins", pins);
        });
  }

  private void pin(RoutingContext context) {
    respond(
        context,
        () -> {
          Pin pin = pinParam(context);
          cache.withKeeper(
              k -> {
                k.pin(pin);
                return pin;
              });
          return JSON.objectNode().put("pinned", pin.toString());
        });
  }

  private void unpin(RoutingContext context) {
    respond(
        context,
        () -> {
          Pin pin = pinParam(context);
          boolean removed = cache.withKeeper(k -> k.unpin(pin));
          if (!removed) {
            boolean configured = cache.withKeeper(CacheKeeper::pins).contains(pin);
            throw new NotFound(
                configured
                    ? pin + " is pinned by the config file (storage.pins): edit the file"
                    : pin + " is not pinned");
          }
          return JSON.objectNode().put("unpinned", pin.toString());
        });
  }

  private Pin pinParam(RoutingContext context) {
    String image =
        optionalParam(context, "image")
            .orElseThrow(() -> new BadRequest("name the image: ?image=REFERENCE"));
    try {
      return PinReferences.toPin(image, upstreams);
    } catch (InvalidReferenceException | UnknownUpstreamException e) {
      throw new BadRequest("image: " + e.getMessage());
    }
  }

  private RoutedRepository repository(String name) {
    try {
      return upstreams.route(null, name);
    } catch (InvalidReferenceException | UnknownUpstreamException e) {
      throw new BadRequest("repository: " + e.getMessage());
    }
  }

  private static Optional<String> optionalParam(RoutingContext context, String name) {
    List<String> values = context.queryParam(name);
    if (values.size() > 1) {
      throw new BadRequest(name + " is given " + values.size() + " times");
    }
    return values.stream().findFirst().map(String::trim).filter(v -> !v.isEmpty());
  }

  /** Runs {@code body} on a worker and answers with its JSON, or with the error it raised. */
  private void respond(RoutingContext context, Callable<ObjectNode> body) {
    workers
        .executeBlocking(body, false)
        .onComplete(
            ar -> {
              int status = 200;
              ObjectNode json;
              if (ar.succeeded()) {
                json = ar.result();
              } else {
                Throwable e = ar.cause();
                status = e instanceof BadRequest ? 400 : e instanceof NotFound ? 404 : 500;
                json = JSON.objectNode().put("error", String.valueOf(e.getMessage()));
              }
              context
                  .response()
                  .setStatusCode(status)
                  .putHeader("Content-Type", "application/json")
                  .end(json.toPrettyString() + "\n");
            });
  }

  static ObjectNode inventoryJson(CacheInventory inventory, @Nullable RoutedRepository only) {
    ObjectNode root = JSON.objectNode();
    root.put("stored_bytes", inventory.storedBytes());
    root.put("blobs", inventory.blobs());
    root.put("manifests", inventory.manifests());
    ArrayNode pins = root.putArray("pins");
    inventory.pins().forEach(p -> pins.add(p.toString()));
    ArrayNode repositories = root.putArray("repositories");
    for (CacheInventory.Repository r : inventory.repositories()) {
      if (only != null
          && !(r.upstream().equals(only.upstream().name())
              && r.repository().equals(only.repository().value()))) {
        continue;
      }
      ObjectNode repo = repositories.addObject();
      repo.put("upstream", r.upstream());
      repo.put("repository", r.repository());
      ArrayNode tags = repo.putArray("tags");
      for (CacheInventory.Tag t : r.tags()) {
        tags.addObject()
            .put("tag", t.tag())
            .put("digest", t.digest().toString())
            .put("resolved_at", t.resolvedAt().toString())
            .put("manifest_cached", t.stored())
            .put("pinned", t.pinned());
      }
      ArrayNode manifests = repo.putArray("manifests");
      ArrayNode blobs = repo.putArray("blobs");
      for (CacheInventory.Content c : r.content()) {
        ObjectNode item = (c.isManifest() ? manifests : blobs).addObject();
        item.put("digest", c.digest().toString());
        if (c.isManifest()) {
          item.put("media_type", c.mediaType());
        }
        item.put("size", c.size()).put("last_access", c.lastAccess().toString());
        item.put("pinned", c.pinned());
      }
    }
    return root;
  }

  static ObjectNode reportJson(CollectionReport r) {
    ObjectNode json = JSON.objectNode();
    json.put("blobs_removed", r.blobsRemoved());
    json.put("manifests_removed", r.manifestsRemoved());
    json.put("bytes_removed", r.bytesRemoved());
    json.put("tags_removed", r.tagsRemoved());
    json.put("links_removed", r.linksRemoved());
    ArrayNode inUse = json.putArray("kept_in_use");
    r.inUse().forEach(d -> inUse.add(d.toString()));
    ArrayNode pinned = json.putArray("kept_pinned");
    r.pinned().forEach(pinned::add);
    json.put("stored_bytes", r.storedBytesAfter());
    return json;
  }

  static ObjectNode gcJson(CacheKeeper.GcSummary summary) {
    ObjectNode json = JSON.objectNode();
    summary.eviction().ifPresent(e -> json.set("eviction", reportJson(e)));
    json.set("orphans", reportJson(summary.orphans()));
    json.put("disk_bytes_before", summary.diskBytesBefore());
    json.put("disk_bytes_after", summary.diskBytesAfter());
    json.put("stored_bytes", summary.storedBytes());
    return json;
  }
}
