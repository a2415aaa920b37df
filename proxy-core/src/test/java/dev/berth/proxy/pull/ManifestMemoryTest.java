package dev.berth.proxy.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.storage.Digest;
import dev.berth.storage.StoredManifest;
import dev.berth.storage.TagResolution;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManifestMemoryTest {
  private final ManifestMemory memory = new ManifestMemory();
  private final byte[] bytes = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
  private final Digest digest = Digest.sha256Of(bytes);
  private final StoredManifest manifest =
      new StoredManifest(
          digest, "application/vnd.oci.image.manifest.v1+json", bytes, Instant.EPOCH);

  @Test
  void aManifestIsServedFromMemoryOnlyToRepositoriesKnownToHaveIt() {
    memory.manifestStored(manifest);
    assertTrue(memory.linkedManifest("docker.io", "team-a/app", digest).isEmpty(), "no link yet");

    memory.linked("docker.io", "team-a/app", digest);

    assertEquals(Optional.of(manifest), memory.linkedManifest("docker.io", "team-a/app", digest));
    assertTrue(
        memory.linkedManifest("docker.io", "team-b/app", digest).isEmpty(),
        "another tenant's repository must go through storage and the link proof");
    assertTrue(memory.linkedManifest("ghcr.io", "team-a/app", digest).isEmpty());
  }

  @Test
  void forget_dropsTheManifestAndItsLinks() {
    memory.manifestStored(manifest);
    memory.linked("docker.io", "team-a/app", digest);

    memory.forget(digest);
    memory.manifestStored(manifest);

    assertTrue(
        memory.linkedManifest("docker.io", "team-a/app", digest).isEmpty(),
        "the link was forgotten with the manifest");
  }

  @Test
  void tags_areKeptPerUpstreamRepositoryAndTag() {
    TagResolution resolution = new TagResolution(digest, Instant.EPOCH);
    memory.tagStored("docker.io", "library/nginx", "1.25", resolution);

    assertEquals(Optional.of(resolution), memory.tag("docker.io", "library/nginx", "1.25"));
    assertTrue(memory.tag("docker.io", "library/nginx", "1.26").isEmpty());
    assertTrue(memory.tag("quay.io", "library/nginx", "1.25").isEmpty());

    memory.forgetTag("docker.io", "library/nginx", "1.25");
    assertTrue(memory.tag("docker.io", "library/nginx", "1.25").isEmpty());
  }
}
