package dev.berth.proxy.pull;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.berth.proxy.pull.BlobSources.drain;
import static dev.berth.proxy.pull.PullFixture.await;
import static dev.berth.proxy.pull.PullFixture.eventually;
import static dev.berth.proxy.pull.PullFixture.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.blackbox.StubImage;
import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.storage.BlobRange;
import dev.berth.storage.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BlobService} on in-memory storage: one upstream GET per blob, nothing unverified stored,
 * links per repository, and the full-disk fallback, each read back by {@link BlobSources#drain} as
 * the blob route would.
 */
class BlobServiceTest {
  private static final int LAYER = 300 << 10; // several 64 KiB chunks

  private final PullFixture f = new PullFixture();
  private final StubImage image = new StubImage("team/app", "1.0", LAYER, 11).stub(f.upstream);
  private final BlobService service = new BlobService(f.client, f.access, 8);

  @AfterEach
  void close() throws Exception {
    f.close();
  }

  private BlobSource open(RoutedRepository repo, Digest digest) throws Exception {
    return await(service.open(repo, digest, BlobRange.all(), false, false, Candidates.ANONYMOUS));
  }

  private int blobGets() {
    return f.upstream
        .countRequestsMatching(
            getRequestedFor(urlEqualTo("/v2/team/app/blobs/" + image.layerDigest)).build())
        .getCount();
  }

  @Test
  void miss_downloadsOnce_storesTheVerifiedBlob_thenServesItFromStorage() throws Exception {
    RoutedRepository repo = f.repo("team/app");

    BlobSource first = open(repo, image.layerDigest);
    assertFalse(first.fromCache());
    assertArrayEquals(image.layer, drain(first));
    eventually(
        () ->
            f.storage.blobs().stat(image.layerDigest).isPresent()
                && f.storage.links().isLinked("registry.test", "team/app", image.layerDigest),
        "the blob is stored and linked"); // the link follows the commit

    BlobSource second = open(repo, image.layerDigest);
    assertInstanceOf(BlobSource.Stored.class, second);
    assertTrue(second.fromCache());
    assertArrayEquals(image.layer, drain(second));
    assertEquals(1, blobGets());
    assertTrue(f.storage.links().isLinked("registry.test", "team/app", image.layerDigest));
    assertEquals(LAYER, f.storage.blobs().totalBytes());
    assertEquals(0, f.storage.blobs().openReaders(), "a reader was left open");
  }

  @Test
  void concurrentMisses_shareOneUpstreamGet() throws Exception {
    f.upstream.stubFor(
        get(urlEqualTo("/v2/team/app/blobs/" + image.layerDigest))
            .atPriority(1)
            .willReturn(aResponse().withStatus(200).withBody(image.layer).withFixedDelay(300)));
    RoutedRepository repo = f.repo("team/app");
    List<io.vertx.core.Future<BlobSource>> opened = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      opened.add(
          service.open(
              repo, image.layerDigest, BlobRange.all(), false, false, Candidates.ANONYMOUS));
    }

    for (var source : opened) {
      assertArrayEquals(image.layer, drain(await(source)));
    }
    assertEquals(1, blobGets());
    assertEquals(3, service.coalescedCount());
  }

  @Test
  void upstreamBytesNotMatchingTheDigest_failTheClient_andLeaveNothing() throws Exception {
    byte[] wrong = image.layer.clone();
    wrong[LAYER / 2] ^= 1;
    f.upstream.stubFor(
        get(urlEqualTo("/v2/team/app/blobs/" + image.layerDigest))
            .atPriority(1)
            .willReturn(aResponse().withStatus(200).withBody(wrong)));

    BlobSource source = open(f.repo("team/app"), image.layerDigest);
    ExecutionException e = assertThrows(ExecutionException.class, () -> drain(source));

    assertTrue(e.getCause().getMessage().contains(image.layerDigest.toString()), e.toString());
    assertTrue(f.storage.blobs().stat(image.layerDigest).isEmpty());
    assertEquals(0, f.storage.blobs().chunkCount(), "chunks of the wrong blob remain");
    assertEquals(0, f.storage.blobs().writingBytes());
    assertFalse(f.storage.links().isLinked("registry.test", "team/app", image.layerDigest));
  }

  @Test
  void cacheOnlyMiss_failsWithoutAskingTheUpstream() throws Exception {
    Throwable e =
        failure(
            service.open(
                f.repo("team/app"),
                image.layerDigest,
                BlobRange.all(),
                false,
                true,
                Candidates.ANONYMOUS));

    assertInstanceOf(NotCachedException.class, e);
    assertEquals(0, f.upstream.countRequestsMatching(anyRequestedFor(anyUrl()).build()).getCount());
  }

  @Test
  void cachedThroughAnotherRepository_isServedOnlyOnceTheUpstreamConfirmsThisOne()
      throws Exception {
    drain(open(f.repo("team/app"), image.layerDigest));
    eventually(
        () ->
            f.storage.blobs().stat(image.layerDigest).isPresent()
                && f.storage.links().isLinked("registry.test", "team/app", image.layerDigest),
        "the blob is stored and linked"); // the link follows the commit
    f.upstream.stubFor(
        head(urlEqualTo("/v2/team/other/blobs/" + image.layerDigest))
            .willReturn(aResponse().withStatus(200).withHeader("Content-Length", "" + LAYER)));
    f.upstream.stubFor(
        head(urlEqualTo("/v2/team/secret/blobs/" + image.layerDigest))
            .willReturn(aResponse().withStatus(404)));
    f.upstream.stubFor(
        get(urlEqualTo("/v2/team/secret/blobs/" + image.layerDigest))
            .willReturn(aResponse().withStatus(404)));

    BlobSource confirmed = open(f.repo("team/other"), image.layerDigest);
    Throwable refused =
        failure(
            service.open(
                f.repo("team/secret"),
                image.layerDigest,
                BlobRange.all(),
                false,
                false,
                Candidates.ANONYMOUS));

    assertTrue(confirmed.fromCache());
    assertArrayEquals(image.layer, drain(confirmed));
    assertTrue(f.storage.links().isLinked("registry.test", "team/other", image.layerDigest));
    assertFalse(f.storage.links().isLinked("registry.test", "team/secret", image.layerDigest));
    assertTrue(refused.getMessage().contains("404") || refused.toString().contains("NOT_FOUND"));
    assertEquals(1, blobGets(), "the cached blob was downloaded again");
  }

  @Test
  void fullDisk_theClientIsServedUncached_writesPause_andTheNextPullStreamsUncached()
      throws Exception {
    f.storage.disk().fill();
    RoutedRepository repo = f.repo("team/app");

    // The download meets the full disk before this client got a byte: served again uncached.
    assertArrayEquals(image.layer, drain(open(repo, image.layerDigest)));

    assertFalse(f.writes.accepting(), "the full disk did not pause cache writes");
    assertEquals(0, f.storage.blobs().writingBytes(), "the failed write holds space");
    BlobSource next = open(repo, image.layerDigest);
    assertInstanceOf(BlobSource.Uncached.class, next);
    assertArrayEquals(image.layer, drain(next));
    assertTrue(f.storage.blobs().stat(image.layerDigest).isEmpty());
    assertEquals(2, service.uncachedCount());
  }
}
