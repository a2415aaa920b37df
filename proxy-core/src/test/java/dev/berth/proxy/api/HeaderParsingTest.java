package dev.berth.proxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.image.MediaTypes;
import dev.berth.storage.BlobRange;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderParsingTest {
  @Test
  void range_forms() {
    assertEquals(BlobRange.all(), ByteRangeHeader.parse(null));
    assertEquals(BlobRange.closed(0, 0), ByteRangeHeader.parse("bytes=0-0"));
    assertEquals(BlobRange.closed(5, 99), ByteRangeHeader.parse("bytes=5-99"));
    assertEquals(BlobRange.from(100), ByteRangeHeader.parse("bytes=100-"));
    assertEquals(BlobRange.suffix(10), ByteRangeHeader.parse("bytes=-10"));
    assertEquals(BlobRange.from(7), ByteRangeHeader.parse(" bytes = 7- "));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes=",
        "bytes=-",
        "bytes=5-4",
        "bytes=-0",
        "bytes=0-1,5-6",
        "items=0-1",
        "bytes=a-b",
        "bytes=99999999999999999999-",
        "0-1"
      })
  void range_malformed_rejected(String header) {
    var e =
        assertThrows(
            ByteRangeHeader.MalformedRangeException.class, () -> ByteRangeHeader.parse(header));
    assertTrue(e.getMessage().contains("invalid Range"), e.getMessage());
  }

  @Test
  void contentRange_formats() {
    assertEquals(
        "bytes 10-19/100", ByteRangeHeader.contentRange(new BlobRange.Resolved(10, 20, 100)));
    assertEquals("bytes */100", ByteRangeHeader.unsatisfied(100));
  }

  @Test
  void accept_containerdList_acceptsAllManifestTypes() {
    AcceptHeader a =
        AcceptHeader.parse(
            List.of(
                "application/vnd.docker.distribution.manifest.v2+json, "
                    + "application/vnd.docker.distribution.manifest.list.v2+json, "
                    + "application/vnd.oci.image.manifest.v1+json, "
                    + "application/vnd.oci.image.index.v1+json, */*"));
    assertTrue(a.accepts(MediaTypes.OCI_INDEX));
    assertTrue(a.accepts("application/vnd.whatever"));
  }

  @Test
  void accept_withoutOci_refusesOci_andIgnoresQ() {
    AcceptHeader a =
        AcceptHeader.parse(
            List.of(
                "application/vnd.docker.distribution.manifest.v2+json;q=0.5",
                "application/vnd.docker.distribution.manifest.list.v2+json"));
    assertTrue(a.accepts(MediaTypes.DOCKER_MANIFEST));
    assertTrue(a.accepts(MediaTypes.DOCKER_MANIFEST_LIST));
    assertFalse(a.accepts(MediaTypes.OCI_MANIFEST));
    assertFalse(a.accepts(MediaTypes.OCI_INDEX));
  }

  @Test
  void accept_absent_acceptsEverything() {
    assertTrue(AcceptHeader.parse(List.of()).accepts(MediaTypes.OCI_MANIFEST));
  }

  @Test
  void tagsLink_rewrittenToBerthKeepingNs() {
    assertEquals(
        "</v2/library/nginx/tags/list?last=b&n=2&ns=docker.io>; rel=\"next\"",
        TagsRoute.rewriteLink(
            "</v2/library/nginx/tags/list?last=b&n=2>; rel=\"next\"",
            "library/nginx",
            "docker.io"));
    assertEquals(
        "</v2/ghcr.io/org/app/tags/list?n=1&last=a>; rel=\"next\"",
        TagsRoute.rewriteLink(
            "<https://ghcr.io/v2/org/app/tags/list?n=1&last=a>; rel=\"next\"",
            "ghcr.io/org/app",
            null));
  }
}
