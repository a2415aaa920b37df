package dev.berth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** skopeo as a client of the registry fixture, without berth. */
@Timeout(60)
class SkopeoTest {
  private static LocalRegistry registry;
  private static Skopeo skopeo;
  private static PushedImage multi;

  @BeforeAll
  static void start() {
    E2eTools.require("docker-registry", "skopeo");
    registry = LocalRegistry.startNew();
    skopeo = Skopeo.create();
    multi = TestImages.pushingTo(registry).multiArchImage("e2e/multi", "1");
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void copyToOciDir_allPlatforms_keepsEveryDigest(@TempDir Path dir) {
    Path dest = dir.resolve("layout");

    Descriptor top = skopeo.copyToOciDir(multi.reference(), dest, true);

    assertEquals(multi.manifest(), top);
    ImageLayout copied = ImageLayout.read(dest, OciLayoutWriter.REF_NAME);
    assertEquals(multi.platforms(), copied.platforms());
    for (String digest : multi.blobDigests()) {
      assertTrue(Files.exists(copied.blob(digest)), digest);
    }
  }

  @Test
  void copyToOciDir_hostPlatformOnly_writesOneImage(@TempDir Path dir) {
    Descriptor top = skopeo.copyToOciDir(multi.reference(), dir.resolve("layout"), false);

    // Without --all skopeo picks the host's platform and writes that image's manifest alone.
    String hostArch = System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
    assertEquals(multi.platform("linux/" + hostArch).manifest(), top);
  }

  @Test
  void inspectDigest_tagAndIndex_matchesPushed() {
    assertEquals(multi.digest(), skopeo.inspectDigest(multi.reference()));
    assertEquals(multi.digest(), skopeo.inspectDigest(multi.digestReference()));
  }

  @Test
  void copyToOciDir_missingTag_throwsWithStderr(@TempDir Path dir) {
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () ->
                skopeo.copyToOciDir(
                    registry.hostPort() + "/e2e/multi:missing", dir.resolve("x"), true));

    assertTrue(e.stderr().contains("manifest unknown"), e.stderr());
    assertTrue(e.getMessage().contains(e.stderr().strip()), e.getMessage());
  }
}
