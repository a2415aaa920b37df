package dev.berth.proxy.pull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.image.Reference;
import dev.berth.proxy.policy.PullPolicy;
import dev.berth.storage.Digest;
import dev.berth.storage.StorageOptions;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import dev.berth.storage.rocksdb.RocksStorage;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a cached tag costs: the {@code if-not-present} hit of {@link ManifestService} ({@code byTag}
 * → {@code USE_CACHED} → {@code byDigest}). Up to commit ab7f714 berth did, per request:
 *
 * <ol>
 *   <li>{@code storage.run(tags().get(upstream, repository, tag))}: a worker hop and one RocksDB
 *       {@code get} in the {@code tags} column family;
 *   <li>{@link TagAction#decide} on the event loop;
 *   <li>{@code storage.run(manifests().get(digest) + links().isLinked(...))}: a second worker hop
 *       and two more {@code get}s (the manifest bytes are copied out of RocksDB and decoded).
 * </ol>
 *
 * <p>Since 33f8f27 a hit is answered from {@link ManifestMemory} (Caffeine) on the event loop and
 * storage is only asked on a memory miss.
 *
 * <p>Benchmarks:
 *
 * <ul>
 *   <li>{@code lookup}: the three lookups and the decision on the calling thread: {@code ROCKSDB}
 *       (the stores), {@code MANIFEST_MEMORY} (berth's front since 33f8f27), and two baselines
 *       holding the same records: a generic Caffeine front keyed by strings and a plain {@link
 *       ConcurrentHashMap} (the floor).
 *   <li>{@code hitOnWorkers}: the storage side of the hit as {@link ManifestService} ran it before
 *       the memory front, started on a Vert.x event loop through {@link StorageAccess#run} on a
 *       shared worker executor like berth's; 64 hits in a row per invocation, each started when the
 *       previous one completed.
 *   <li>{@code hopsOnly}: the same two worker round trips with no storage work: what answering on
 *       the event loop saves besides the lookups.
 * </ul>
 *
 * <p>Store: 10,000 tags in 2,000 repositories of two upstreams, each tag resolving to its own
 * manifest of about 1.5 KiB, linked to its repository; reopened before measuring so reads come from
 * SST files through the block cache, as after a restart. Requests pick tags Zipf-distributed (s =
 * 1), as image popularity is.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TagResolutionBenchmark -prof gc}.
 * Figures: benchmarks/jmh-hotpaths.md.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx512m", "-XX:+IgnoreUnrecognizedVMOptions", "-XX:UseAVX=2"})
public class TagResolutionBenchmark {
  static final int TAGS = 10_000;
  static final int TAGS_PER_REPOSITORY = 5;
  static final int CHAIN = 64;
  private static final int SAMPLES = 1 << 16;

  /** Where the cached records are read from. */
  public enum Impl {
    ROCKSDB,
    MANIFEST_MEMORY,
    CAFFEINE,
    CONCURRENT_HASH_MAP
  }

  /** One cached tag: where it lives and what it resolves to. */
  record TagKey(String upstream, String repository, String tag) {}

  /** The populated store and the Zipf-distributed request sequence. */
  @State(Scope.Benchmark)
  public static class Stored {
    Path dir;
    RocksStorage storage;
    TagKey[] keys;
    int[] samples;
    final Clock clock = Clock.systemUTC();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("berth-tag-bench");
      Path db = dir.resolve("rocks");
      keys = new TagKey[TAGS];
      Random random = new Random(6);
      try (RocksStorage writing = RocksStorage.open(db, StorageOptions.defaults())) {
        for (int i = 0; i < TAGS; i++) {
          int repo = i / TAGS_PER_REPOSITORY;
          TagKey key =
              new TagKey(
                  repo % 2 == 0 ? "docker.io" : "ghcr.io",
                  "org" + repo + "/app-" + repo,
                  "v1." + (i % TAGS_PER_REPOSITORY) + ".0");
          byte[] manifest = TagWorkload.fakeIndex(i, random);
          Digest digest = Digest.sha256Of(manifest);
          writing.manifests().put(digest, MediaTypes.OCI_INDEX, manifest);
          writing.links().link(key.upstream(), key.repository(), digest);
          writing
              .tags()
              .put(
                  key.upstream(),
                  key.repository(),
                  key.tag(),
                  new TagResolution(digest, Instant.now().minusSeconds(3600)));
          keys[i] = key;
        }
      }
      // Reopening replays and flushes the WAL: reads go through SST files and the block cache.
      storage = RocksStorage.open(db, StorageOptions.defaults());
      samples = TagWorkload.zipfSamples(TAGS, SAMPLES, 1.0, random);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      storage.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }

    /** berth's hit on the calling thread: tag, decision, manifest, link. */
    StoredManifest hitFromStorage(TagKey key) {
      Optional<TagResolution> cached =
          storage.tags().get(key.upstream(), key.repository(), key.tag());
      Digest digest = decide(cached, key, clock);
      StoredManifest manifest = storage.manifests().get(digest).orElseThrow();
      if (!storage.links().isLinked(key.upstream(), key.repository(), digest)) {
        throw new IllegalStateException("not linked: " + key);
      }
      return manifest;
    }
  }

  /** An in-memory front (or none) over the same records. */
  @State(Scope.Thread)
  public static class Front {
    @Param({"ROCKSDB", "MANIFEST_MEMORY", "CAFFEINE", "CONCURRENT_HASH_MAP"})
    public Impl impl;

    Map<String, TagResolution> tags;
    Map<Digest, StoredManifest> manifests;
    Map<String, Boolean> links;
    final ManifestMemory memory = new ManifestMemory();
    int next;

    @Setup(Level.Trial)
    public void setUp(Stored stored) {
      if (impl == Impl.CAFFEINE) {
        Cache<String, TagResolution> t = Caffeine.newBuilder().maximumSize(100_000).build();
        Cache<Digest, StoredManifest> m = Caffeine.newBuilder().maximumSize(100_000).build();
        Cache<String, Boolean> l = Caffeine.newBuilder().maximumSize(100_000).build();
        tags = t.asMap();
        manifests = m.asMap();
        links = l.asMap();
      } else {
        tags = new ConcurrentHashMap<>();
        manifests = new ConcurrentHashMap<>();
        links = new ConcurrentHashMap<>();
      }
      if (impl == Impl.ROCKSDB) {
        return;
      }
      for (TagKey key : stored.keys) {
        TagResolution r =
            stored.storage.tags().get(key.upstream(), key.repository(), key.tag()).orElseThrow();
        if (impl == Impl.MANIFEST_MEMORY) {
          memory.tagStored(key.upstream(), key.repository(), key.tag(), r);
          memory.manifestStored(stored.storage.manifests().get(r.digest()).orElseThrow());
          memory.linked(key.upstream(), key.repository(), r.digest());
          continue;
        }
        tags.put(tagKey(key), r);
        manifests.put(r.digest(), stored.storage.manifests().get(r.digest()).orElseThrow());
        links.put(linkKey(key, r.digest()), Boolean.TRUE);
      }
    }

    StoredManifest hit(Stored stored, TagKey key) {
      if (impl == Impl.ROCKSDB) {
        return stored.hitFromStorage(key);
      }
      if (impl == Impl.MANIFEST_MEMORY) {
        Digest digest =
            decide(memory.tag(key.upstream(), key.repository(), key.tag()), key, stored.clock);
        return memory.linkedManifest(key.upstream(), key.repository(), digest).orElseThrow();
      }
      Optional<TagResolution> cached = Optional.ofNullable(tags.get(tagKey(key)));
      Digest digest = decide(cached, key, stored.clock);
      StoredManifest manifest = manifests.get(digest);
      if (manifest == null || links.get(linkKey(key, digest)) == null) {
        throw new IllegalStateException("missing: " + key);
      }
      return manifest;
    }

    /** Built per request, as a front keyed like the {@code tags} column family would be. */
    private static String tagKey(TagKey key) {
      return key.upstream() + '\0' + key.repository() + '\0' + key.tag();
    }

    private static String linkKey(TagKey key, Digest digest) {
      return key.upstream() + '\0' + key.repository() + '\0' + digest;
    }
  }

  /** Vert.x with berth's storage worker executor and an event-loop context to start from. */
  @State(Scope.Benchmark)
  public static class Workers {
    Vertx vertx;
    WorkerExecutor executor;
    StorageAccess access;
    Context eventLoop;

    @Setup(Level.Trial)
    public void setUp(Stored stored) {
      vertx = Vertx.vertx();
      executor = vertx.createSharedWorkerExecutor("berth-storage", 32);
      access =
          new StorageAccess(
              stored.storage.blobs(),
              stored.storage.manifests(),
              stored.storage.tags(),
              stored.storage.links(),
              stored.storage.verdicts(),
              executor,
              new CacheWrites());
      eventLoop = vertx.getOrCreateContext();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      access.close();
      executor.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Per-thread position in the request sequence for the worker benchmarks. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  @Benchmark
  public StoredManifest lookup(Stored stored, Front front) {
    return front.hit(stored, stored.keys[stored.samples[front.next++ & (SAMPLES - 1)]]);
  }

  @Benchmark
  @OperationsPerInvocation(CHAIN)
  public Object hitOnWorkers(Stored stored, Workers workers, Cursor cursor) {
    CompletableFuture<Object> done = new CompletableFuture<>();
    workers.eventLoop.runOnContext(v -> hitChain(stored, workers.access, cursor, 0, null, done));
    return done.join();
  }

  @Benchmark
  @OperationsPerInvocation(CHAIN)
  public Object hopsOnly(Workers workers) {
    CompletableFuture<Object> done = new CompletableFuture<>();
    workers.eventLoop.runOnContext(v -> hopChain(workers.access, 0, done));
    return done.join();
  }

  /** ManifestService.byTag → byDigest for a cached tag, one request after the other. */
  private static void hitChain(
      Stored stored,
      StorageAccess access,
      Cursor cursor,
      int i,
      Object last,
      CompletableFuture<Object> done) {
    if (i == CHAIN) {
      done.complete(last);
      return;
    }
    TagKey key = stored.keys[stored.samples[cursor.next++ & (SAMPLES - 1)]];
    access
        .run(() -> access.tags().get(key.upstream(), key.repository(), key.tag()))
        .compose(
            cached -> {
              Digest digest = decide(cached, key, stored.clock);
              return access.run(
                  () -> {
                    Optional<StoredManifest> m = access.manifests().get(digest);
                    boolean linked =
                        access.links().isLinked(key.upstream(), key.repository(), digest);
                    return linked ? m.orElseThrow() : null;
                  });
            })
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.completeExceptionally(ar.cause());
              } else {
                hitChain(stored, access, cursor, i + 1, ar.result(), done);
              }
            });
  }

  private static void hopChain(StorageAccess access, int i, CompletableFuture<Object> done) {
    if (i == CHAIN) {
      done.complete(Boolean.TRUE);
      return;
    }
    access
        .run(() -> Boolean.TRUE)
        .compose(v -> access.run(() -> Boolean.FALSE))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.completeExceptionally(ar.cause());
              } else {
                hopChain(access, i + 1, done);
              }
            });
  }

  /** The if-not-present decision ManifestService makes; every sampled tag is cached. */
  static Digest decide(Optional<TagResolution> cached, TagKey key, Clock clock) {
    TagAction action =
        TagAction.decide(
            PullPolicy.IfNotPresent.INSTANCE,
            new Reference.Tag(key.tag()),
            cached.map(TagResolution::resolvedAt),
            clock.instant());
    if (action != TagAction.USE_CACHED) {
      throw new IllegalStateException(action + " for " + key);
    }
    return cached.orElseThrow().digest();
  }
}
