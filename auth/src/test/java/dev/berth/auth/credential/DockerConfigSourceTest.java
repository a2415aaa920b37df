package dev.berth.auth.credential;

import static dev.berth.auth.credential.DockerConfigFileTest.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DockerConfigSourceTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** Old enough that the racy-modification rule does not apply. */
  private static final FileTime SETTLED = FileTime.from(T0.minus(Duration.ofHours(1)));

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private final Recorder listener = new Recorder();

  /** A clock moved by hand. */
  static final class FakeClock extends Clock {
    Instant now = T0;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** Records every callback as a line. */
  static final class Recorder implements DockerConfigSource.Listener {
    final List<String> events = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();

    @Override
    public void onReloaded(int keys) {
      events.add("reloaded " + keys);
    }

    @Override
    public void onReloadFailed(Path file, String message) {
      events.add("failed " + file.getFileName());
      failures.add(message);
    }

    @Override
    public void onWarning(Path file, String message) {
      events.add("warning " + file.getFileName());
      warnings.add(message);
    }
  }

  private static String config(String key, String user, String password) {
    return "{\"auths\": {\"" + key + "\": {\"auth\": \"" + b64(user + ":" + password) + "\"}}}";
  }

  private static Path write(Path file, String content, FileTime modified) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
    // As a credentials file should be; readableByOthers_warnsOnce covers the other case.
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.setLastModifiedTime(file, modified);
    return file;
  }

  private DockerConfigSource load(Path... files) {
    return DockerConfigSource.load(List.of(files), clock, listener);
  }

  // ---- loading ----

  @Test
  void readableByOthers_warnsOnceAndStillLoads() throws Exception {
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "s3cret"), SETTLED);
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    DockerConfigSource source = load(file);
    assertEquals(List.of("warning config.json", "reloaded 1"), listener.events);
    assertTrue(listener.warnings.get(0).contains("rw-r--r--"), listener.warnings.toString());
    assertFalse(listener.warnings.get(0).contains("s3cret"));
    assertEquals(1, source.current().keys().size());
    source.reloadIfChanged();
    assertEquals(2, listener.events.size(), "reported once per version of the file");
  }

  @Test
  void load_filesOfEachShape_mergedIntoOneSortedKeyring() throws Exception {
    Path configJson =
        write(dir.resolve("config.json"), config("reg.io", "host", "host-pw"), SETTLED);
    Path dockercfg =
        write(
            dir.resolve(".dockercfg"),
            "{\"reg.io/team\": {\"username\": \"team\", \"password\": \"team-pw\"}}",
            SETTLED);
    Path secret =
        write(
            dir.resolve("secret.json"),
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockerconfigjson\", \"data\":"
                + " {\".dockerconfigjson\": \""
                + b64(config("https://index.docker.io/v1/", "hub", "hub-pw"))
                + "\"}}",
            SETTLED);
    Path mounted =
        write(dir.resolve("mounted/.dockerconfigjson"), config("*.io", "any", "any-pw"), SETTLED);

    DockerConfigSource source =
        load(configJson, dir.resolve("absent/config.json"), dockercfg, secret, mounted);

    CredentialKeyring keyring = source.current();
    assertEquals(List.of("reg.io/team", "reg.io", "index.docker.io", "*.io"), keyring.keys());
    // The reverse sort applies across files: the second file's more specific key comes first.
    assertEquals(
        List.of(
            Credential.basic("team", "team-pw"),
            Credential.basic("host", "host-pw"),
            Credential.basic("any", "any-pw")),
        keyring.lookup("reg.io/team/app"));
    assertEquals(List.of(Credential.basic("hub", "hub-pw")), keyring.lookup("library/nginx"));
    assertEquals(List.of("reloaded 4"), listener.events);
    assertEquals(0, source.reloadFailures());
    assertEquals(Optional.of(T0), source.lastReloaded());
  }

  @Test
  void load_sameKeyInTwoFiles_credentialsInFileOrder() throws Exception {
    Path first = write(dir.resolve("a.json"), config("reg.io", "first", "pw1"), SETTLED);
    Path second =
        write(dir.resolve("b.json"), config("https://reg.io/v2/", "second", "pw2"), SETTLED);
    DockerConfigSource source = load(first, second);
    assertEquals(
        List.of(Credential.basic("first", "pw1"), Credential.basic("second", "pw2")),
        source.current().lookup("reg.io/app"));
  }

  @Test
  void load_onlyMissingFiles_emptyKeyringWithoutFailure() {
    DockerConfigSource source = load(dir.resolve("config.json"), dir.resolve(".dockercfg"));
    assertTrue(source.current().isEmpty());
    assertEquals(0, source.reloadFailures());
    assertEquals(List.of("reloaded 0"), listener.events);
  }

  @Test
  void load_warnings_reportedOncePerVersion() throws Exception {
    Path file =
        write(
            dir.resolve("config.json"),
            "{\"auths\": {\"reg.io:abc\": {\"username\": \"u\"}}, \"credsStore\": \"desktop\"}",
            SETTLED);
    DockerConfigSource source = load(file);
    assertEquals(
        List.of("warning config.json", "warning config.json", "reloaded 0"), listener.events);
    assertTrue(listener.warnings.get(0).startsWith(file + ": credsStore \"desktop\""));
    assertTrue(listener.warnings.get(1).startsWith(file + ": config key \"reg.io:abc\""));
    listener.events.clear();
    assertFalse(source.reloadIfChanged());
    assertEquals(List.of(), listener.events);
  }

  // ---- change detection ----

  @Test
  void reloadIfChanged_nothingChanged_noReload() throws Exception {
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "pw"), SETTLED);
    DockerConfigSource source = load(file);
    CredentialKeyring before = source.current();
    listener.events.clear();
    clock.now = T0.plusSeconds(60);

    assertFalse(source.reloadIfChanged());
    assertSame(before, source.current());
    assertEquals(List.of(), listener.events);
    assertEquals(Optional.of(T0), source.lastReloaded());
  }

  @Test
  void reloadIfChanged_contentChanged_reloads() throws Exception {
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "old-pw"), SETTLED);
    DockerConfigSource source = load(file);
    listener.events.clear();
    clock.now = T0.plusSeconds(2);

    write(file, config("reg.io", "u", "new-password"), FileTime.from(T0.minusSeconds(600)));

    assertTrue(source.reloadIfChanged());
    assertEquals(
        List.of(Credential.basic("u", "new-password")), source.current().lookup("reg.io/x"));
    assertEquals(List.of("reloaded 1"), listener.events);
    assertEquals(Optional.of(T0.plusSeconds(2)), source.lastReloaded());
  }

  @Test
  void reloadIfChanged_fileAppears_reloads() throws Exception {
    Path file = dir.resolve("config.json");
    DockerConfigSource source = load(file);
    write(file, config("reg.io", "u", "pw"), SETTLED);
    assertTrue(source.reloadIfChanged());
    assertEquals(List.of("reg.io"), source.current().keys());
  }

  @Test
  void reloadIfChanged_fileDeleted_credentialsRemoved() throws Exception {
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "pw"), SETTLED);
    DockerConfigSource source = load(file);
    Files.delete(file);
    assertTrue(source.reloadIfChanged());
    assertTrue(source.current().isEmpty());
    assertEquals(0, source.reloadFailures());
  }

  @Test
  void reloadIfChanged_touchedWithoutContentChange_noNewKeyring() throws Exception {
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "pw"), SETTLED);
    DockerConfigSource source = load(file);
    CredentialKeyring before = source.current();
    listener.events.clear();
    Files.setLastModifiedTime(file, FileTime.from(T0.minusSeconds(5)));

    assertFalse(source.reloadIfChanged());
    assertSame(before, source.current());
    assertEquals(List.of(), listener.events);
  }

  @Test
  void reloadIfChanged_kubernetesSymlinkSwap_reloads() throws Exception {
    // The layout kubelet's AtomicWriter gives a mounted Secret:
    //   ..2026_01_01_00_00_00.000000001/config.json
    //   ..data -> ..2026_01_01_00_00_00.000000001
    //   config.json -> ..data/config.json
    Path mount = Files.createDirectories(dir.resolve("mount"));
    Path v1 = mount.resolve("..2026_01_01_00_00_00.000000001");
    write(v1.resolve("config.json"), config("reg.io", "u", "password-one"), SETTLED);
    Files.createSymbolicLink(mount.resolve("..data"), v1.getFileName());
    Path file = mount.resolve("config.json");
    Files.createSymbolicLink(file, Path.of("..data", "config.json"));

    DockerConfigSource source = load(file);
    assertEquals(
        List.of(Credential.basic("u", "password-one")), source.current().lookup("reg.io/a"));
    listener.events.clear();

    // A new version of the same size and modification time: only the real path differs.
    Path v2 = mount.resolve("..2026_01_01_00_01_00.000000002");
    write(v2.resolve("config.json"), config("reg.io", "u", "password-two"), SETTLED);
    Path tmp = mount.resolve("..data_tmp");
    Files.createSymbolicLink(tmp, v2.getFileName());
    Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    Files.delete(v1.resolve("config.json"));
    Files.delete(v1);
    assertEquals(
        Files.size(v2.resolve("config.json")),
        (long) config("reg.io", "u", "password-one").getBytes(StandardCharsets.UTF_8).length);

    assertTrue(source.reloadIfChanged());
    assertEquals(
        List.of(Credential.basic("u", "password-two")), source.current().lookup("reg.io/a"));
    assertEquals(List.of("reloaded 1"), listener.events);
    assertFalse(source.reloadIfChanged());
  }

  @Test
  void reloadIfChanged_symlinkRetargeted_reloads() throws Exception {
    Path a = write(dir.resolve("a.json"), config("reg.io", "u", "pw-a"), SETTLED);
    Path b = write(dir.resolve("b.json"), config("reg.io", "u", "pw-b"), SETTLED);
    Path link = dir.resolve("config.json");
    Files.createSymbolicLink(link, a.getFileName());
    DockerConfigSource source = load(link);

    Path tmp = dir.resolve("config.json.tmp");
    Files.createSymbolicLink(tmp, b.getFileName());
    Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);

    assertTrue(source.reloadIfChanged());
    assertEquals(List.of(Credential.basic("u", "pw-b")), source.current().lookup("reg.io/x"));
  }

  @Test
  void reloadIfChanged_racyModification_sameStatStillDetected() throws Exception {
    // Written 1 s before the read: a rewrite within the file system's timestamp granularity
    // could leave size and modification time unchanged.
    FileTime recent = FileTime.from(T0.minusSeconds(1));
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "password-1"), recent);
    DockerConfigSource source = load(file);

    write(file, config("reg.io", "u", "password-2"), recent);
    assertTrue(source.reloadIfChanged());
    assertEquals(List.of(Credential.basic("u", "password-2")), source.current().lookup("reg.io/x"));

    // Once the clock has passed the window, an unchanged file is no longer read at all...
    clock.now = T0.plus(DockerConfigSource.RACY_WINDOW).plusSeconds(1);
    assertFalse(source.reloadIfChanged()); // one last read, content unchanged
    // ...so an identical-stat rewrite now goes unseen (the documented limit of stat checks).
    write(file, config("reg.io", "u", "password-3"), recent);
    assertFalse(source.reloadIfChanged());
    assertEquals(List.of(Credential.basic("u", "password-2")), source.current().lookup("reg.io/x"));
  }

  @Test
  void reloadIfChanged_settledFile_identicalStatRewriteNotRead() throws Exception {
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "password-1"), SETTLED);
    DockerConfigSource source = load(file);
    write(file, config("reg.io", "u", "password-2"), SETTLED);
    assertFalse(source.reloadIfChanged());
    assertEquals(List.of(Credential.basic("u", "password-1")), source.current().lookup("reg.io/x"));
  }

  // ---- failures ----

  static Stream<Arguments> brokenContents() {
    return Stream.of(
        Arguments.of(
            "bad JSON",
            "{\"auths\": {\"reg.io\": {\"password\": \"s3cr3t-pw\"}",
            "invalid JSON at line 1, column 47: unexpected end of input inside an object"),
        Arguments.of(
            "bad base64",
            "{\"auths\": {\"registry.io\": {\"auth\": \"s3cr3t-pw\"}}}",
            "auths[\"registry.io\"].auth: not valid base64"),
        Arguments.of(
            "nothing usable",
            "{\"auths\": {\"reg.io\": {\"email\": \"s3cr3t-pw@example.com\"}}}",
            "auths[\"reg.io\"]: no usable credential (expected auth, username/password,"
                + " identitytoken or registrytoken)"),
        Arguments.of(
            "wrong type",
            "{\"auths\": {\"reg.io\": {\"username\": \"u\", \"password\": [\"s3cr3t-pw\"]}}}",
            "auths[\"reg.io\"].password: expected a string, found array"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenContents")
  void reloadIfChanged_brokenFile_keepsLastGoodKeyringAndRecovers(
      String description, String broken, String expected) throws Exception {
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "good-pw"), SETTLED);
    DockerConfigSource source = load(file);
    CredentialKeyring good = source.current();
    listener.events.clear();

    write(file, broken, FileTime.from(T0.minusSeconds(300)));
    assertFalse(source.reloadIfChanged());

    assertSame(good, source.current());
    assertEquals(1, source.reloadFailures());
    assertEquals(List.of("failed config.json"), listener.events);
    String message = listener.failures.get(0);
    assertEquals(file + ": " + expected, message);
    assertFalse(message.contains("s3cr3t"), message);

    // Still broken, unchanged: not reported again.
    clock.now = T0.plusSeconds(2);
    assertFalse(source.reloadIfChanged());
    assertEquals(1, source.reloadFailures());
    assertEquals(1, listener.failures.size());

    // Fixed: the next call publishes.
    write(file, config("reg.io", "u", "fixed-pw"), FileTime.from(T0.minusSeconds(200)));
    assertTrue(source.reloadIfChanged());
    assertEquals(List.of(Credential.basic("u", "fixed-pw")), source.current().lookup("reg.io/x"));
    assertEquals(List.of("failed config.json", "reloaded 1"), listener.events);
    assertEquals(1, source.reloadFailures());
  }

  @Test
  void load_brokenAtStart_emptyUntilFixed() throws Exception {
    Path file = write(dir.resolve("config.json"), "{\"auths\": {\"reg.io\": {}}}", SETTLED);
    DockerConfigSource source = load(file);
    assertTrue(source.current().isEmpty());
    assertEquals(1, source.reloadFailures());
    assertEquals(Optional.empty(), source.lastReloaded());

    write(file, config("reg.io", "u", "pw"), FileTime.from(T0.minusSeconds(60)));
    assertTrue(source.reloadIfChanged());
    assertEquals(List.of("reg.io"), source.current().keys());
  }

  @Test
  void reloadIfChanged_oneOfTwoFilesBroken_neitherChangePublished() throws Exception {
    Path a = write(dir.resolve("a.json"), config("a.io", "u", "pw"), SETTLED);
    Path b = write(dir.resolve("b.json"), config("b.io", "u", "pw"), SETTLED);
    DockerConfigSource source = load(a, b);

    write(a, config("a2.io", "u", "pw"), FileTime.from(T0.minusSeconds(100)));
    write(b, "{not json", FileTime.from(T0.minusSeconds(100)));
    assertFalse(source.reloadIfChanged());
    assertEquals(List.of("b.io", "a.io"), source.current().keys());

    // Fixing b publishes a's earlier change too.
    write(b, config("b.io", "u", "pw2"), FileTime.from(T0.minusSeconds(50)));
    assertTrue(source.reloadIfChanged());
    assertEquals(List.of("b.io", "a2.io"), source.current().keys());
  }

  @Test
  void reloadIfChanged_unreadablePath_failureReportedOnceAndRetried() throws Exception {
    Path file = write(dir.resolve("config.json"), config("reg.io", "u", "pw"), SETTLED);
    DockerConfigSource source = load(file);
    CredentialKeyring good = source.current();
    listener.events.clear();

    // A directory where the file was: the stat works, the read fails.
    Files.delete(file);
    Files.createDirectory(file);
    assertFalse(source.reloadIfChanged());
    assertFalse(source.reloadIfChanged());
    assertSame(good, source.current());
    assertEquals(List.of("failed config.json"), listener.events);
    assertTrue(
        listener.failures.get(0).startsWith(file + ": cannot read: "), listener.failures.get(0));
    assertEquals(1, source.reloadFailures());

    Files.delete(file);
    write(file, config("reg.io", "u", "pw"), SETTLED);
    // Same content as the last good version, but the failure is over: publish again.
    assertTrue(source.reloadIfChanged());
    assertEquals(List.of("reg.io"), source.current().keys());
  }

  // ---- defaults ----

  @Test
  void kubeletDefaultFiles_inKubeletOrder() {
    Path root = Path.of("/var/lib/kubelet");
    Path cwd = Path.of("/work");
    assertEquals(
        List.of(
            Path.of("/var/lib/kubelet/config.json"),
            Path.of("/work/config.json"),
            Path.of("/home/k/.docker/config.json"),
            Path.of("/.docker/config.json"),
            Path.of("/var/lib/kubelet/.dockercfg"),
            Path.of("/work/.dockercfg"),
            Path.of("/home/k/.dockercfg"),
            Path.of("/.dockercfg")),
        DockerConfigSource.kubeletDefaultFiles(root, cwd, Optional.of(Path.of("/home/k"))));
  }

  @Test
  void kubeletDefaultFiles_withoutHomeAndDuplicates() {
    Path root = Path.of("/");
    assertEquals(
        List.of(Path.of("/config.json"), Path.of("/.docker/config.json"), Path.of("/.dockercfg")),
        DockerConfigSource.kubeletDefaultFiles(root, root, Optional.empty()));
  }
}
