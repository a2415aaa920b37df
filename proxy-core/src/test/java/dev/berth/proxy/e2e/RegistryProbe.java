package dev.berth.proxy.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Asks a registry (the upstream, or berth itself) what it holds, over plain HTTP with the JDK
 * client.
 *
 * <p>Why: a test must read back what a registry serves independently of the client under test; a
 * HEAD with the full multi-arch {@code Accept} list is exactly what containerd sends to resolve a
 * tag, so its {@code Docker-Content-Digest} is the digest a node would pull.
 *
 * <p>The static methods send no credentials and return a 401 as it is. Against an authenticated
 * registry use {@link #as} (answers Basic and Bearer challenges with credentials) or {@link
 * #anonymousToken} (answers Bearer challenges with an anonymous token), whose methods are the same.
 *
 * <pre>{@code
 * assertEquals(image.digest(), RegistryProbe.manifestDigest(berthUrl, "e2e/small", "1"));
 * assertEquals(401, RegistryProbe.headManifest(upstream.url(), "team-a/app", "1").status());
 * RegistryProbe.as(alice).manifestDigest(upstream.url(), "team-a/app", "1");
 * }</pre>
 */
public final class RegistryProbe {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** A manifest as served: status, headers that matter, and the body (empty for HEAD). */
  public record ManifestResponse(
      int status, String contentType, Optional<String> digestHeader, byte[] body) {
    /** SHA-256 of the body, to compare with {@link #digestHeader}. */
    public String bodyDigest() {
      return HashingOutputStream.sha256(body);
    }
  }

  private RegistryProbe() {}

  private static final Authenticated NO_AUTH = new Authenticated(null, false);

  /**
   * A probe that answers a 401's challenge once per request, as docker does: {@code Basic} with
   * {@code credentials}, {@code Bearer} with a token fetched from the realm with them. Tokens are
   * not cached, so every probe request that meets a challenge makes one token request.
   */
  public static Authenticated as(Credentials credentials) {
    return new Authenticated(credentials, true);
  }

  /**
   * A probe that answers {@code Bearer} challenges with an anonymous token (no {@code
   * Authorization} to the token endpoint); a {@code Basic} challenge's 401 is returned as is.
   */
  public static Authenticated anonymousToken() {
    return new Authenticated(null, true);
  }

  /**
   * {@code HEAD /v2/<repo>/manifests/<ref>} with the full Accept list.
   *
   * @param url {@code http://host:port}
   * @param ref a tag or {@code sha256:...}
   * @return the {@code Docker-Content-Digest} header
   * @throws AssertionError when the status is not 200 or the header is missing
   */
  public static String manifestDigest(String url, String repo, String ref) {
    return NO_AUTH.manifestDigest(url, repo, ref);
  }

  /**
   * Like {@link #manifestDigest} but 404 gives empty.
   *
   * @throws AssertionError on any status other than 200 and 404
   */
  public static Optional<String> manifestDigestIfPresent(String url, String repo, String ref) {
    return NO_AUTH.manifestDigestIfPresent(url, repo, ref);
  }

  /** {@code GET /v2/<repo>/manifests/<ref>} with the full Accept list, any status. */
  public static ManifestResponse getManifest(String url, String repo, String ref) {
    return NO_AUTH.getManifest(url, repo, ref);
  }

  /** {@code HEAD /v2/<repo>/manifests/<ref>} with the full Accept list, any status. */
  public static ManifestResponse headManifest(String url, String repo, String ref) {
    return NO_AUTH.headManifest(url, repo, ref);
  }

  /**
   * {@code HEAD /v2/<repo>/blobs/<digest>}.
   *
   * @return the {@code Content-Length}, or empty on 404
   * @throws AssertionError on any other status
   */
  public static Optional<Long> blobSize(String url, String repo, String digest) {
    return NO_AUTH.blobSize(url, repo, digest);
  }

  /** The probe's requests, with or without answering authentication challenges. */
  public static final class Authenticated {
    private final @Nullable Credentials credentials;
    private final boolean answerChallenges;

    private Authenticated(@Nullable Credentials credentials, boolean answerChallenges) {
      this.credentials = credentials;
      this.answerChallenges = answerChallenges;
    }

    /** See {@link RegistryProbe#manifestDigest}. */
    public String manifestDigest(String url, String repo, String ref) {
      ManifestResponse head = headManifest(url, repo, ref);
      if (head.status() != 200 || head.digestHeader().isEmpty()) {
        throw new AssertionError(
            "HEAD "
                + url
                + "/v2/"
                + repo
                + "/manifests/"
                + ref
                + " gave "
                + head.status()
                + " with Docker-Content-Digest "
                + head.digestHeader()
                + (credentials == null ? "" : " as " + credentials.username()));
      }
      return head.digestHeader().get();
    }

    /** See {@link RegistryProbe#manifestDigestIfPresent}. */
    public Optional<String> manifestDigestIfPresent(String url, String repo, String ref) {
      ManifestResponse head = headManifest(url, repo, ref);
      if (head.status() == 404) {
        return Optional.empty();
      }
      return Optional.of(manifestDigest(url, repo, ref));
    }

    /** See {@link RegistryProbe#getManifest}. */
    public ManifestResponse getManifest(String url, String repo, String ref) {
      return manifest(url, repo, ref, "GET");
    }

    /** See {@link RegistryProbe#headManifest}. */
    public ManifestResponse headManifest(String url, String repo, String ref) {
      return manifest(url, repo, ref, "HEAD");
    }

    /** See {@link RegistryProbe#blobSize}. */
    public Optional<Long> blobSize(String url, String repo, String digest) {
      HttpResponse<Void> response =
          send(
              HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/" + digest))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .timeout(TIMEOUT),
              HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() == 404) {
        return Optional.empty();
      }
      if (response.statusCode() != 200) {
        throw new AssertionError(
            "HEAD blob " + digest + " at " + url + " gave " + response.statusCode());
      }
      return response.headers().firstValueAsLong("Content-Length").stream().boxed().findFirst();
    }

    private ManifestResponse manifest(String url, String repo, String ref, String method) {
      HttpResponse<byte[]> response =
          send(
              HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/manifests/" + ref))
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .header("Accept", E2eMediaTypes.MANIFEST_ACCEPT)
                  .timeout(TIMEOUT),
              HttpResponse.BodyHandlers.ofByteArray());
      return new ManifestResponse(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(""),
          response.headers().firstValue("Docker-Content-Digest"),
          response.body());
    }

    /**
     * Sends the request; on a 401 with an answerable challenge, sends it once more with the answer.
     * A challenge that cannot be answered (no credentials for Basic, a token endpoint that refused)
     * leaves the first 401 as the result.
     */
    private <T> HttpResponse<T> send(
        HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
      HttpResponse<T> response = RegistryProbe.send(request.copy().build(), body);
      if (!answerChallenges) {
        return response;
      }
      Optional<RegistryAuth.Challenge> challenge = RegistryAuth.challengeOf(response);
      if (challenge.isEmpty()) {
        return response;
      }
      Optional<String> authorization = RegistryAuth.authorization(challenge.get(), credentials);
      if (authorization.isEmpty()) {
        return response;
      }
      return RegistryProbe.send(request.header("Authorization", authorization.get()).build(), body);
    }
  }

  private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return HTTP.send(request, body);
    } catch (IOException e) {
      throw new AssertionError(request.method() + " " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted: " + request.uri(), e);
    }
  }
}
