package dev.berth.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class AdminTokenFileTest {
  @TempDir Path dir;
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(AdminTokenFile.class);
  private Level levelBefore;

  @BeforeEach
  void captureLog() {
    levelBefore = logger.getLevel();
    logger.setLevel(Level.INFO); // tests log at WARN; the path is logged at INFO
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void releaseLog() {
    logger.detachAppender(lines);
    logger.setLevel(levelBefore);
  }

  /** Fills every request with {@code fill}, so that the expected token is known. */
  private static SecureRandom constant(byte fill) {
    return new SecureRandom() {
      private static final long serialVersionUID = 1L;

      @Override
      public void nextBytes(byte[] bytes) {
        Arrays.fill(bytes, fill);
      }
    };
  }

  private List<String> logged() {
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void loadOrCreate_noFile_createsAnOwnerOnlyFileWith256RandomBits() throws Exception {
    Path file = dir.resolve("admin-token");

    AdminToken token = AdminTokenFile.loadOrCreate(file, constant((byte) 0xfb));

    String content = Files.readString(file);
    String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(filled(32, 0xfb));
    assertEquals(expected + "\n", content);
    assertEquals(43, expected.length());
    assertTrue(expected.contains("-") || expected.contains("_"), "URL-safe alphabet: " + expected);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(token.authorizes("Bearer " + expected));
    assertTrue(logged().stream().anyMatch(l -> l.contains(file.toString())), logged().toString());
    assertTrue(logged().stream().noneMatch(l -> l.contains(expected)), "token logged");
  }

  @Test
  void loadOrCreate_realRandomness_givesADifferentTokenPerFile() throws Exception {
    AdminTokenFile.loadOrCreate(dir.resolve("a"), new SecureRandom());
    AdminTokenFile.loadOrCreate(dir.resolve("b"), new SecureRandom());

    String a = Files.readString(dir.resolve("a")).strip();
    String b = Files.readString(dir.resolve("b")).strip();
    assertNotEquals(a, b);
    assertEquals(32, Base64.getUrlDecoder().decode(a).length);
  }

  @Test
  void loadOrCreate_existingFile_isReadTrimmedAndKept() throws Exception {
    Path file = dir.resolve("admin-token");
    Files.writeString(file, "  op3rator.chosen~token  \n\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));

    AdminToken token = AdminTokenFile.loadOrCreate(file, constant((byte) 1));

    assertTrue(token.authorizes("Bearer op3rator.chosen~token"));
    assertEquals("  op3rator.chosen~token  \n\n", Files.readString(file), "file left as it was");
    assertTrue(lines.list.stream().noneMatch(e -> e.getLevel() == Level.WARN), logged().toString());
    // The second start reads what the first one created.
    Path created = dir.resolve("created");
    AdminTokenFile.loadOrCreate(created, new SecureRandom());
    String first = Files.readString(created);
    AdminTokenFile.loadOrCreate(created, new SecureRandom());
    assertEquals(first, Files.readString(created));
  }

  @Test
  void loadOrCreate_readableByOthers_warnsNamingThePathAndStillServes() throws Exception {
    Path file = dir.resolve("admin-token");
    Files.writeString(file, "shared-secret\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    AdminToken token = AdminTokenFile.loadOrCreate(file, new SecureRandom());

    assertTrue(token.authorizes("Bearer shared-secret"));
    List<ILoggingEvent> warnings =
        lines.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    assertEquals(1, warnings.size(), logged().toString());
    String warning = warnings.get(0).getFormattedMessage();
    assertTrue(warning.contains(file.toString()) && warning.contains("rw-r--r--"), warning);
    assertFalse(warning.contains("shared-secret"), warning);
  }

  @Test
  void loadOrCreate_emptyFile_failsNamingThePath() throws Exception {
    Path file = Files.writeString(dir.resolve("admin-token"), " \n");

    AdminTokenException e =
        assertThrows(
            AdminTokenException.class, () -> AdminTokenFile.loadOrCreate(file, new SecureRandom()));

    assertTrue(e.getMessage().contains(file + " is empty"), e.getMessage());
  }

  @Test
  void read_notOneToken_failsNamingThePathWithoutRepeatingTheContent() throws Exception {
    for (String content : List.of("two words\n", "line\nline\n", "tökén\n", "a=b\n")) {
      Path file = Files.writeString(dir.resolve("token"), content, StandardCharsets.UTF_8);

      AdminTokenException e =
          assertThrows(AdminTokenException.class, () -> AdminTokenFile.read(file), content);

      assertTrue(e.getMessage().contains(file + " does not hold one token"), e.getMessage());
      assertFalse(e.getMessage().contains(content.strip()), e.getMessage());
    }
  }

  @Test
  void read_missingOrUnreadable_failsNamingThePath() throws Exception {
    Path missing = dir.resolve("nothing-here");
    AdminTokenException absent =
        assertThrows(AdminTokenException.class, () -> AdminTokenFile.read(missing));
    assertTrue(absent.getMessage().contains("no admin token file at " + missing));

    // A directory cannot be read as a file (root reads any file whatever its mode).
    Path directory = Files.createDirectory(dir.resolve("a-directory"));
    AdminTokenException unreadable =
        assertThrows(AdminTokenException.class, () -> AdminTokenFile.read(directory));
    assertTrue(
        unreadable.getMessage().contains("cannot read the admin token file " + directory),
        unreadable.getMessage());
  }

  @Test
  void loadOrCreate_noParentDirectory_failsNamingThePath() {
    Path file = dir.resolve("missing/dir/admin-token");

    AdminTokenException e =
        assertThrows(
            AdminTokenException.class, () -> AdminTokenFile.loadOrCreate(file, new SecureRandom()));

    assertTrue(e.getMessage().contains("cannot create the admin token file " + file));
  }

  private static byte[] filled(int length, int value) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }
}
