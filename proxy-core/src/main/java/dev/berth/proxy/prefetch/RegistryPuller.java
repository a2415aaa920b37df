package dev.berth.proxy.prefetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.proxy.image.ImageReference;
import dev.berth.proxy.image.ManifestReferences;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.storage.Digest;
import dev.berth.storage.DigestVerifier;
import dev.berth.storage.InvalidDigestException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Pulls whole images through a berth registry endpoint, the way a runtime would: the manifest (an
 * index's children of the chosen platforms), then every config and layer blob, each read to the end
 * and hashed. Going through berth's own API means prefetching uses exactly the pull path (policies,
 * credentials, single-flight with other clients), and the bytes are stored by berth as they stream.
 * Blobs of one image are fetched in parallel on {@code blobPool}. Blocking.
 */
public final class RegistryPuller {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MANIFEST_BYTES = 4 << 20;
  private static final Duration TIMEOUT = Duration.ofMinutes(30);

  private final HttpClient http;
  private final URI registry;
  private final ExecutorService blobPool;
  private final PullListener listener;

  /**
   * @param registry berth's registry base URL, such as {@code http://127.0.0.1:5000}
   */
  public RegistryPuller(
      HttpClient http, URI registry, ExecutorService blobPool, PullListener listener) {
    this.http = http;
    this.registry = registry;
    this.blobPool = blobPool;
    this.listener = listener;
  }

  /** A pull that failed; the message names the image and what went wrong. */
  public static final class PullFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    public PullFailedException(String message) {
      super(message);
    }
  }

  /**
   * Pulls {@code image} (normalized as Kubernetes reads names; no tag means {@code latest}).
   *
   * @throws PullFailedException naming what failed: the reference, a manifest, a blob, no matching
   *     platform
   */
  public PulledImage pull(ImageReference image, PlatformFilter platforms)
      throws PullFailedException, InterruptedException {
    // A reference without a digest has a tag: normalization gives it "latest" (docs/protocol.md
    // §1.3).
    String reference =
        image.digest() != null
            ? image.digest().toString()
            : java.util.Objects.requireNonNullElse(image.tag(), "latest");
    String name = image.toString();
    Manifest top = manifest(image, reference, name);
    List<String> fetched = new ArrayList<>();
    int blobs = 0;
    long bytes = 0;
    if (MediaTypes.INDEXES.contains(top.mediaType())) {
      Set<String> available = new LinkedHashSet<>();
      List<Digest> children = new ArrayList<>();
      List<String> childPlatforms = new ArrayList<>();
      for (JsonNode child : top.json().path("manifests")) {
        String platform = PlatformFilter.describe(child.get("platform"));
        available.add(platform);
        if (platforms.matches(child.get("platform"))) {
          children.add(digestOf(child, name));
          childPlatforms.add(platform);
        }
      }
      if (children.isEmpty()) {
        throw new PullFailedException(
            name + ": no platform matches " + platforms + " (the image has " + available + ")");
      }
      for (int i = 0; i < children.size(); i++) {
        Manifest child = manifest(image, children.get(i).toString(), name);
        long[] done = pullBlobs(image, child, name, childPlatforms.get(i));
        blobs += (int) done[0];
        bytes += done[1];
        fetched.add(childPlatforms.get(i));
      }
    } else {
      long[] done = pullBlobs(image, top, name, "image");
      blobs += (int) done[0];
      bytes += done[1];
      fetched.add("image");
    }
    return new PulledImage(name, top.digest(), fetched, blobs, bytes);
  }

  private record Manifest(Digest digest, String mediaType, JsonNode json) {}

  private record Blob(Digest digest, long size) {}

  private Manifest manifest(ImageReference image, String reference, String name)
      throws PullFailedException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(uri(image, "manifests", reference))
            .header("Accept", MediaTypes.UPSTREAM_ACCEPT_HEADER)
            .timeout(TIMEOUT)
            .build();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new PullFailedException(name + ": berth at " + registry + " did not answer: " + e);
    }
    if (response.statusCode() != 200) {
      throw new PullFailedException(
          name
              + ": manifest "
              + reference
              + ": "
              + errorOf(response.statusCode(), response.body()));
    }
    byte[] body = response.body();
    if (body.length > MAX_MANIFEST_BYTES) {
      throw new PullFailedException(name + ": manifest " + reference + " is too large");
    }
    Digest digest = Digest.sha256Of(body);
    if (reference.indexOf(':') > 0 && !digest.toString().equals(reference)) {
      throw new PullFailedException(
          name + ": manifest " + reference + " arrived with digest " + digest);
    }
    String mediaType = response.headers().firstValue("Content-Type").orElse("");
    try {
      JsonNode json = JSON.readTree(body);
      if (json == null || !json.isObject()) {
        throw new IOException("not a JSON object");
      }
      if (json.hasNonNull("mediaType")) {
        mediaType = json.get("mediaType").asText();
      }
      return new Manifest(digest, mediaType, json);
    } catch (IOException e) {
      throw new PullFailedException(name + ": manifest " + reference + " is not valid JSON");
    }
  }

  /** Fetches the config and layers of one image manifest; returns {blobs, bytes}. */
  private long[] pullBlobs(ImageReference image, Manifest manifest, String name, String platform)
      throws PullFailedException, InterruptedException {
    List<Blob> blobs = new ArrayList<>();
    for (JsonNode descriptor : ManifestReferences.blobDescriptors(manifest.json())) {
      blobs.add(new Blob(digestOf(descriptor, name), sizeOf(descriptor)));
    }
    long total = blobs.stream().mapToLong(Blob::size).sum();
    listener.platformStarted(name, platform, blobs.size(), total);
    List<Future<Long>> running = new ArrayList<>();
    for (Blob blob : blobs) {
      running.add(blobPool.submit(() -> pullBlob(image, blob, name)));
    }
    long bytes = 0;
    PullFailedException failure = null;
    for (Future<Long> f : running) {
      try {
        bytes += f.get();
      } catch (ExecutionException e) {
        if (failure == null) {
          failure =
              e.getCause() instanceof PullFailedException p
                  ? p
                  : new PullFailedException(name + ": " + e.getCause());
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    return new long[] {blobs.size(), bytes};
  }

  private long pullBlob(ImageReference image, Blob blob, String name)
      throws PullFailedException, InterruptedException {
    listener.blobStarted(name, blob.digest(), blob.size());
    HttpRequest request =
        HttpRequest.newBuilder(uri(image, "blobs", blob.digest().toString()))
            .timeout(TIMEOUT)
            .build();
    try {
      HttpResponse<InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          throw new PullFailedException(
              name
                  + ": blob "
                  + blob.digest()
                  + ": "
                  + errorOf(response.statusCode(), body.readNBytes(4096)));
        }
        DigestVerifier verifier = blob.digest().newVerifier();
        byte[] buffer = new byte[256 << 10];
        long done = 0;
        for (int n; (n = body.read(buffer)) > 0; ) {
          verifier.update(buffer, 0, n);
          done += n;
          listener.blobProgress(name, blob.digest(), done);
        }
        Digest actual = verifier.finish();
        if (!actual.equals(blob.digest())) {
          throw new PullFailedException(
              name + ": blob " + blob.digest() + " arrived with digest " + actual);
        }
        listener.blobDone(name, blob.digest(), done);
        return done;
      }
    } catch (IOException e) {
      // A connection berth cut: it does that when the upstream's bytes did not match.
      throw new PullFailedException(name + ": blob " + blob.digest() + ": " + e);
    }
  }

  private URI uri(ImageReference image, String kind, String reference) {
    return registry.resolve(
        "/v2/"
            + image.path()
            + "/"
            + kind
            + "/"
            + reference
            + "?ns="
            + URLEncoder.encode(image.domain(), StandardCharsets.UTF_8));
  }

  private static Digest digestOf(JsonNode descriptor, String name) throws PullFailedException {
    try {
      return Digest.parse(descriptor.path("digest").asText());
    } catch (InvalidDigestException e) {
      throw new PullFailedException(name + ": a manifest holds a bad digest: " + e.getMessage());
    }
  }

  private static long sizeOf(JsonNode descriptor) {
    return descriptor.path("size").asLong(0);
  }

  /** The registry error's message when there is one (berth names the failing upstream in it). */
  private static String errorOf(int status, byte[] body) {
    try {
      JsonNode errors = JSON.readTree(body).path("errors");
      if (errors.isArray() && errors.size() > 0) {
        JsonNode first = errors.get(0);
        return status + " " + first.path("code").asText() + ": " + first.path("message").asText();
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: the status alone
    }
    return "HTTP " + status;
  }
}
