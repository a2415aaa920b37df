package dev.berth.proxy.blackbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.storage.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * An image (config, one random layer, OCI manifest) served by a WireMock upstream under a tag, the
 * manifest digest and the blob digests, as a registry would.
 */
public final class StubImage {
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

  public final String repository;
  public final String tag;
  public final byte[] config;
  public final byte[] layer;
  public final byte[] manifest;
  public final Digest configDigest;
  public final Digest layerDigest;
  public final Digest manifestDigest;

  public StubImage(String repository, String tag, int layerSize, long seed) {
    this.repository = repository;
    this.tag = tag;
    this.config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":" + seed + "}")
            .getBytes(StandardCharsets.UTF_8);
    this.layer = new byte[layerSize];
    new Random(seed).nextBytes(layer);
    this.configDigest = Digest.sha256Of(config);
    this.layerDigest = Digest.sha256Of(layer);
    this.manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + OCI_MANIFEST
                + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + configDigest
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\""
                + layerDigest
                + "\",\"size\":"
                + layer.length
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    this.manifestDigest = Digest.sha256Of(manifest);
  }

  public List<Digest> blobs() {
    return List.of(configDigest, layerDigest);
  }

  /** Stubs the tag, the manifest by digest and both blobs. */
  public StubImage stub(WireMockServer upstream) {
    stubManifest(upstream, repository, tag, OCI_MANIFEST, manifest, manifestDigest);
    stubBlob(upstream, repository, config, configDigest);
    stubBlob(upstream, repository, layer, layerDigest);
    return this;
  }

  public static void stubManifest(
      WireMockServer upstream,
      String repository,
      String tag,
      String mediaType,
      byte[] bytes,
      Digest digest) {
    for (String reference : new String[] {tag, digest.toString()}) {
      String path = "/v2/" + repository + "/manifests/" + reference;
      upstream.stubFor(
          head(urlEqualTo(path))
              .willReturn(
                  aResponse()
                      .withStatus(200)
                      .withHeader("Content-Type", mediaType)
                      .withHeader("Docker-Content-Digest", digest.toString())
                      .withHeader("Content-Length", Integer.toString(bytes.length))));
      upstream.stubFor(
          get(urlEqualTo(path))
              .willReturn(
                  aResponse()
                      .withStatus(200)
                      .withHeader("Content-Type", mediaType)
                      .withHeader("Docker-Content-Digest", digest.toString())
                      .withBody(bytes)));
    }
  }

  public static void stubBlob(
      WireMockServer upstream, String repository, byte[] bytes, Digest digest) {
    String path = "/v2/" + repository + "/blobs/" + digest;
    upstream.stubFor(get(urlEqualTo(path)).willReturn(aResponse().withStatus(200).withBody(bytes)));
    upstream.stubFor(
        head(urlEqualTo(path))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Length", Integer.toString(bytes.length))));
  }
}
