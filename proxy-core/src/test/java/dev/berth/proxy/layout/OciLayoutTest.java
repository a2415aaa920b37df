package dev.berth.proxy.layout;

import static dev.berth.proxy.layout.LayoutTestSupport.assumeTar;
import static dev.berth.proxy.layout.LayoutTestSupport.digestOf;
import static dev.berth.proxy.layout.LayoutTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.proxy.layout.LayoutTestSupport.PatternStream;
import dev.berth.storage.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OciLayoutTest {
  private static final String LAYER = "application/vnd.oci.image.layer.v1.tar";

  /** Large enough to need many buffer fills; streamed from a generator, never held whole. */
  private static final long BIG = 6L * 1024 * 1024 + 123;

  @TempDir Path temp;

  /** What {@link #writeSample} wrote, to check a read against. */
  record Sample(Digest config, Digest manifest, Digest big, byte[] manifestBytes) {}

  @ParameterizedTest
  @ValueSource(strings = {"directory", "tar"})
  void roundTrip(String kind) throws IOException {
    Path target = temp.resolve(kind.equals("tar") ? "out.tar" : "out");
    Sample sample;
    try (OciLayoutWriter writer = open(kind, target)) {
      sample = writeSample(writer);
    }
    assertEquals(kind.equals("tar"), Files.isRegularFile(target));
    try (Stream<Path> siblings = Files.list(temp)) {
      assertEquals(List.of(target), siblings.collect(Collectors.toList())); // no temp left
    }
    checkSample(target, sample);
  }

  @Test
  void tar_writesOciLayoutFirstAndIndexLast() throws IOException {
    Path file = temp.resolve("order.tar");
    Sample sample;
    try (OciLayoutWriter writer = OciLayoutWriter.tar(file)) {
      sample = writeSample(writer);
    }
    try (TarReader reader = TarReader.open(file)) {
      List<String> order = List.copyOf(reader.entries().keySet());
      assertEquals("oci-layout", order.get(0));
      assertEquals("index.json", order.get(order.size() - 1));
      assertTrue(order.contains("blobs/sha256/" + sample.big().hex()));
    }
  }

  @Test
  void tar_toStream() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Sample sample;
    try (OciLayoutWriter writer = OciLayoutWriter.tar(bytes)) {
      sample = writeSample(writer);
    }
    Path file = temp.resolve("stream.tar");
    Files.write(file, bytes.toByteArray());
    checkSample(file, sample);
  }

  @Test
  void systemTarArchiveOfADirectoryLayout_isReadable() throws Exception {
    assumeTar();
    Path dir = temp.resolve("dir");
    Sample sample;
    try (OciLayoutWriter writer = OciLayoutWriter.directory(dir)) {
      sample = writeSample(writer);
    }
    Path archive = temp.resolve("system.tar");
    // "./"-prefixed names and directory entries, as most hand-made archives have.
    run(temp, "tar", "-cf", archive.toString(), "-C", dir.toString(), ".");
    checkSample(archive, sample);
  }

  @Test
  void blob_alreadyWrittenInThisRun_isSkippedUnread() throws IOException {
    Digest digest = LayoutTestSupport.digestOf("x");
    for (String kind : new String[] {"directory", "tar"}) {
      try (OciLayoutWriter writer = open(kind, temp.resolve("skip-" + kind))) {
        assertFalse(writer.hasBlob(digest));
        writer.blob(digest, "x".getBytes(StandardCharsets.UTF_8));
        assertTrue(writer.hasBlob(digest));
        writer.blob(digest, 1, explodingStream());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"directory", "tar"})
  void blob_contentShorterThanSize_failsAndLeavesNothing(String kind) throws IOException {
    Path target = temp.resolve(kind.equals("tar") ? "short.tar" : "short");
    Digest digest = LayoutTestSupport.digestOf("abc");
    OciLayoutWriter writer = open(kind, target);
    LayoutException e =
        assertThrows(
            LayoutException.class,
            () -> writer.blob(digest, 10, new ByteArrayInputStream(new byte[3])));
    assertTrue(e.getMessage().contains(digest.hex()), e.getMessage());
    assertTrue(e.getMessage().contains("3 of"), e.getMessage());
    if (kind.equals("tar")) {
      assertThrows(LayoutException.class, writer::close);
      assertFalse(Files.exists(target));
      try (Stream<Path> left = Files.list(temp)) {
        assertEquals(0, left.count(), "temporary archive removed");
      }
    } else {
      assertFalse(Files.exists(target.resolve(LayoutFormat.blobPath(digest))));
      writer.close();
      try (Stream<Path> left = Files.list(target.resolve("blobs/sha256"))) {
        assertEquals(0, left.count(), "temporary blob removed");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"directory", "tar"})
  void blob_contentLongerThanSize_fails(String kind) throws IOException {
    Path target = temp.resolve(kind.equals("tar") ? "long.tar" : "long");
    Digest digest = LayoutTestSupport.digestOf("abc");
    try (OciLayoutWriter writer = open(kind, target)) {
      LayoutException e =
          assertThrows(
              LayoutException.class,
              () -> writer.blob(digest, 2, new ByteArrayInputStream(new byte[3])));
      assertTrue(e.getMessage().contains("longer than the declared 2 bytes"), e.getMessage());
      writer.abort();
    }
    assertFalse(Files.exists(target.resolve(LayoutFormat.blobPath(digest))));
    assertFalse(kind.equals("tar") && Files.exists(target));
  }

  @Test
  void directory_existingLayout_isMergedByRefName() throws IOException {
    Path dir = temp.resolve("merge");
    Digest a = LayoutTestSupport.digestOf("a");
    Digest b1 = LayoutTestSupport.digestOf("b1");
    Digest b2 = LayoutTestSupport.digestOf("b2");
    Digest c = LayoutTestSupport.digestOf("c");
    try (OciLayoutWriter writer = OciLayoutWriter.directory(dir)) {
      writer.blob(a, bytes("a"));
      writer.blob(b1, bytes("b1"));
      writer.addToIndex(manifest(a, 1).withRefName("a"));
      writer.addToIndex(manifest(b1, 2).withRefName("b"));
    }
    // Something berth does not model must survive the merge.
    Path indexFile = dir.resolve("index.json");
    ObjectNode index = (ObjectNode) LayoutFormat.JSON.readTree(indexFile.toFile());
    index.putObject("annotations").put("keep", "me");
    Files.write(indexFile, LayoutFormat.render(index));

    try (OciLayoutWriter writer = OciLayoutWriter.directory(dir)) {
      assertTrue(writer.hasBlob(a), "blobs of the existing layout count");
      writer.blob(a, 1, explodingStream()); // present with the right size: reused, not read
      writer.blob(b2, bytes("b2"));
      writer.blob(c, bytes("c"));
      writer.addToIndex(manifest(b2, 2).withRefName("b"));
      writer.addToIndex(manifest(c, 1).withRefName("c"));
    }
    try (OciLayoutReader reader = OciLayoutReader.open(dir)) {
      Map<String, Digest> byName =
          reader.index().stream()
              .collect(Collectors.toMap(d -> d.refName().orElseThrow(), Descriptor::digest));
      assertEquals(Map.of("a", a, "b", b2, "c", c), byName);
      assertEquals(3, reader.index().size());
      assertArrayEquals(bytes("b1"), reader.readSmallBlob(b1, 100), "old blobs stay");
    }
    assertEquals(
        "me",
        LayoutFormat.JSON.readTree(indexFile.toFile()).path("annotations").path("keep").asText());
  }

  @Test
  void directory_nonEmptyNonLayout_isRefused() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("busy"));
    Files.writeString(dir.resolve("notes.txt"), "mine");
    LayoutException e = assertThrows(LayoutException.class, () -> OciLayoutWriter.directory(dir));
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("not an OCI image layout"), e.getMessage());

    Path file = Files.writeString(temp.resolve("file"), "x");
    e = assertThrows(LayoutException.class, () -> OciLayoutWriter.directory(file));
    assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
  }

  @Test
  void directory_existingLayoutOfAnotherVersion_isRefused() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("v2"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
    LayoutException e = assertThrows(LayoutException.class, () -> OciLayoutWriter.directory(dir));
    assertTrue(e.getMessage().contains("2.0.0"), e.getMessage());
  }

  @Test
  void reader_missingOciLayout_namesTheFile() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("none"));
    Files.writeString(dir.resolve("index.json"), "{}");
    LayoutException e = assertThrows(LayoutException.class, () -> OciLayoutReader.open(dir));
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("oci-layout is missing"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"imageLayoutVersion\":\"1.1.0\"}", "{}", "not json", "[]"})
  void reader_wrongOrNoVersion_namesTheFile(String content) throws IOException {
    Path dir = Files.createDirectories(temp.resolve("bad"));
    Files.writeString(dir.resolve("oci-layout"), content);
    LayoutException e = assertThrows(LayoutException.class, () -> OciLayoutReader.open(dir));
    assertTrue(e.getMessage().contains("oci-layout"), e.getMessage());
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
  }

  @Test
  void reader_missingBlob_namesDigestAndPath() throws IOException {
    Path dir = temp.resolve("empty");
    OciLayoutWriter.directory(dir).close();
    Digest digest = LayoutTestSupport.digestOf("absent");
    try (OciLayoutReader reader = OciLayoutReader.open(dir)) {
      assertEquals(List.of(), reader.index());
      LayoutException e = assertThrows(LayoutException.class, () -> reader.blob(digest));
      assertTrue(e.getMessage().contains(digest.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("blobs/sha256/" + digest.hex()), e.getMessage());
      assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
      assertThrows(LayoutException.class, () -> reader.readSmallBlob(digest, 10));
    }
  }

  @Test
  void reader_smallBlob_isCappedAndVerified() throws IOException {
    Path dir = temp.resolve("small");
    Digest digest = LayoutTestSupport.digestOf("0123456789");
    Digest liar = LayoutTestSupport.digestOf("something else");
    try (OciLayoutWriter writer = OciLayoutWriter.directory(dir)) {
      writer.blob(digest, bytes("0123456789"));
      writer.blob(liar, bytes("0123456789")); // writers do not verify
    }
    try (OciLayoutReader reader = OciLayoutReader.open(dir)) {
      assertArrayEquals(bytes("0123456789"), reader.readSmallBlob(digest, 10));
      LayoutException e =
          assertThrows(LayoutException.class, () -> reader.readSmallBlob(digest, 9));
      assertTrue(e.getMessage().contains("more than the 9"), e.getMessage());
      e = assertThrows(LayoutException.class, () -> reader.readSmallBlob(liar, 100));
      assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }
  }

  @Test
  void reader_malformedIndexEntry_namesItsPosition() throws IOException {
    Path dir = temp.resolve("badindex");
    OciLayoutWriter.directory(dir).close();
    Files.writeString(
        dir.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"sha256:"
            + "0".repeat(64)
            + "\",\"size\":1},{\"mediaType\":\"x\",\"digest\":\"md5:00\",\"size\":1}]}");
    try (OciLayoutReader reader = OciLayoutReader.open(dir)) {
      LayoutException e = assertThrows(LayoutException.class, reader::index);
      assertTrue(e.getMessage().contains("index.json manifests[1]"), e.getMessage());
    }
  }

  @Test
  void layoutSource_open_picksByKind() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("d"));
    Path tar = temp.resolve("t.tar");
    try (TarWriter writer = new TarWriter(Files.newOutputStream(tar))) {
      writer.file("x", bytes("x"));
    }
    try (LayoutSource source = LayoutSource.open(dir)) {
      assertTrue(source instanceof DirectoryLayoutSource);
      assertTrue(source.open("x").isEmpty());
      assertTrue(source.size("x").isEmpty());
    }
    try (LayoutSource source = LayoutSource.open(tar)) {
      assertTrue(source instanceof TarLayoutSource);
      assertEquals(1L, source.size("x").orElseThrow());
      assertTrue(source.describe().contains(tar.toString()));
      assertThrows(IllegalArgumentException.class, () -> source.open("../x"));
    }
    LayoutException e =
        assertThrows(LayoutException.class, () -> LayoutSource.open(temp.resolve("nope")));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
  }

  @Test
  void descriptor_platformAndAnnotationsSurviveTheIndex() throws IOException {
    Path dir = temp.resolve("platform");
    JsonNode platform = LayoutFormat.JSON.readTree("{\"architecture\":\"arm64\",\"os\":\"linux\"}");
    Digest digest = LayoutTestSupport.digestOf("m");
    Descriptor descriptor =
        new Descriptor(
            MediaTypes.OCI_MANIFEST,
            digest,
            1,
            Map.of(Descriptor.REF_NAME, "v1", "io.containerd.image.name", "docker.io/x/y:v1"),
            platform);
    try (OciLayoutWriter writer = OciLayoutWriter.directory(dir)) {
      writer.addToIndex(descriptor);
    }
    try (OciLayoutReader reader = OciLayoutReader.open(dir)) {
      assertEquals(List.of(descriptor), reader.index());
    }
    JsonNode index = LayoutFormat.JSON.readTree(dir.resolve("index.json").toFile());
    assertEquals(2, index.get("schemaVersion").asInt());
    assertEquals(MediaTypes.OCI_INDEX, index.get("mediaType").asText());
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(dir.resolve("oci-layout")));
  }

  private static OciLayoutWriter open(String kind, Path target) throws IOException {
    return kind.equals("tar") ? OciLayoutWriter.tar(target) : OciLayoutWriter.directory(target);
  }

  /** A config, a streamed multi-MiB layer and a manifest tagged "v1"; also an untagged entry. */
  static Sample writeSample(OciLayoutWriter writer) throws IOException {
    Digest big = digestOf(new PatternStream(BIG, 42));
    byte[] config = bytes("{\"architecture\":\"amd64\",\"os\":\"linux\"}");
    Digest configDigest = Digest.sha256Of(config);
    byte[] manifest =
        bytes(
            "{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST
                + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\""
                + configDigest
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\""
                + LAYER
                + "\",\"digest\":\""
                + big
                + "\",\"size\":"
                + BIG
                + "}]}");
    Digest manifestDigest = Digest.sha256Of(manifest);
    writer.blob(big, BIG, new PatternStream(BIG, 42));
    writer.blob(configDigest, config);
    writer.blob(manifestDigest, manifest);
    writer.addToIndex(manifest(manifestDigest, manifest.length).withRefName("v0"));
    writer.addToIndex(manifest(manifestDigest, manifest.length).withRefName("v1"));
    writer.addToIndex(manifest(manifestDigest, manifest.length).withRefName("v0")); // replaces
    writer.addToIndex(manifest(configDigest, config.length));
    return new Sample(configDigest, manifestDigest, big, manifest);
  }

  static void checkSample(Path layout, Sample sample) throws IOException {
    try (OciLayoutReader reader = OciLayoutReader.open(layout)) {
      List<Descriptor> index = reader.index();
      assertEquals(3, index.size(), index.toString());
      assertEquals("v1", index.get(0).refName().orElseThrow());
      assertEquals(sample.manifest(), index.get(0).digest());
      assertEquals("v0", index.get(1).refName().orElseThrow());
      assertTrue(index.get(2).refName().isEmpty());
      assertArrayEquals(sample.manifestBytes(), reader.readSmallBlob(sample.manifest(), 4096));
      assertEquals(BIG, reader.blobSize(sample.big()).orElseThrow());
      try (InputStream in = reader.blob(sample.big())) {
        assertEquals(sample.big(), digestOf(in));
      }
      assertTrue(reader.readSmallBlob(sample.config(), 4096).length > 0);
    }
  }

  private static Descriptor manifest(Digest digest, long size) {
    return new Descriptor(MediaTypes.OCI_MANIFEST, digest, size);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static InputStream explodingStream() {
    return new InputStream() {
      @Override
      public int read() {
        throw new AssertionError("content of a skipped blob was read");
      }
    };
  }
}
