package dev.berth.proxy.blackbox;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.berth.storage.Digest;
import java.nio.charset.StandardCharsets;

/**
 * A two-platform image (linux/amd64 and linux/arm64/v8) served by a WireMock upstream: an OCI index
 * under a tag, whose children are separate {@link StubImage}s.
 */
public final class StubIndex {
  public final StubImage amd64;
  public final StubImage arm64;
  public final byte[] bytes;
  public final Digest digest;

  public StubIndex(WireMockServer upstream, String repository, String tag, int layerSize) {
    amd64 = new StubImage(repository, tag + "-amd64", layerSize, 1).stub(upstream);
    arm64 = new StubImage(repository, tag + "-arm64", layerSize, 2).stub(upstream);
    bytes =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + StubImage.OCI_INDEX
                + "\",\"manifests\":["
                + child(amd64, "amd64", null)
                + ","
                + child(arm64, "arm64", "v8")
                + "]}")
            .getBytes(StandardCharsets.UTF_8);
    digest = Digest.sha256Of(bytes);
    StubImage.stubManifest(upstream, repository, tag, StubImage.OCI_INDEX, bytes, digest);
  }

  private static String child(StubImage image, String arch, String variant) {
    return "{\"mediaType\":\""
        + StubImage.OCI_MANIFEST
        + "\",\"digest\":\""
        + image.manifestDigest
        + "\",\"size\":"
        + image.manifest.length
        + ",\"platform\":{\"os\":\"linux\",\"architecture\":\""
        + arch
        + "\""
        + (variant == null ? "" : ",\"variant\":\"" + variant + "\"")
        + "}}";
  }
}
