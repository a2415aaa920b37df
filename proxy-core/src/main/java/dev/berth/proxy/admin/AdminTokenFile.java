package dev.berth.proxy.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file that holds the admin API's bearer token ({@code admin-token-file}, by default {@code
 * <storage.path>/admin-token}). The server creates it on first start, so that the admin API is
 * closed without any configuration; clients ({@code berth prefetch --pin}, curl) read it. Every
 * message names the file, never its content. Blocking file I/O: call it at start-up or from a
 * command, never on an event loop.
 */
public final class AdminTokenFile {
  private static final Logger log = LoggerFactory.getLogger(AdminTokenFile.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** Far above any real token; a file this large is the wrong file. */
  private static final int MAX_BYTES = 4096;

  private AdminTokenFile() {}

  /**
   * The server's side: reads the token from {@code file}, or, when there is no file, creates it
   * ({@code 0600}) with a fresh random token. Logs the path, and warns when other users may read
   * the file (as a Kubernetes Secret mounted with its default mode 0644 is): the admin API is as
   * closed as the file is.
   *
   * @param random where a new token comes from
   * @throws AdminTokenException naming the file when it cannot be created or read, is empty or
   *     holds something other than one token
   */
  public static AdminToken loadOrCreate(Path file, SecureRandom random) {
    Path shown = file.toAbsolutePath().normalize();
    if (!Files.exists(file)) {
      Optional<AdminToken> created = create(file, random);
      if (created.isPresent()) {
        log.info(
            "created the admin token file {} (mode 0600): /admin/ requests need"
                + " 'Authorization: Bearer <its content>'",
            shown);
        return created.get();
      }
      // Another process created it between the check and ours: read theirs.
    }
    AdminToken token = read(file);
    readableByOthers(file)
        .ifPresent(
            mode ->
                log.warn(
                    "the admin token file {} is readable by other users ({}): anyone who can read"
                        + " it can purge the cache; make it 0600 (for a Kubernetes Secret,"
                        + " defaultMode: 0400)",
                    shown,
                    mode));
    log.info("admin token from {}: /admin/ requests need it as a bearer token", shown);
    return token;
  }

  /**
   * The client's side: reads the token a server uses.
   *
   * @throws AdminTokenException naming the file when it is missing, unreadable, empty or holds
   *     something other than one token
   */
  public static AdminToken read(Path file) {
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new AdminTokenException(
          "no admin token file at " + file + " (a berth server creates it on its first start)", e);
    } catch (AccessDeniedException e) {
      throw new AdminTokenException("permission denied reading the admin token file " + file, e);
    } catch (IOException e) {
      throw new AdminTokenException("cannot read the admin token file " + file + ": " + e, e);
    }
    if (content.length > MAX_BYTES) {
      throw new AdminTokenException(
          "the admin token file " + file + " is larger than " + MAX_BYTES + " bytes: not a token");
    }
    // Latin-1 maps every byte to a char, so any stray byte fails the token grammar below rather
    // than a decoder whose message would be less clear.
    String trimmed = new String(content, StandardCharsets.ISO_8859_1).strip();
    if (trimmed.isEmpty()) {
      throw new AdminTokenException(
          "the admin token file "
              + file
              + " is empty: put a token in it (e.g. openssl rand -hex 32), or delete it and berth"
              + " creates one");
    }
    try {
      return AdminToken.of(trimmed);
    } catch (IllegalArgumentException e) {
      throw new AdminTokenException(
          "the admin token file " + file + " does not hold one token: " + e.getMessage(), e);
    }
  }

  /** Creates the file with a new token; empty when it appeared meanwhile. */
  private static Optional<AdminToken> create(Path file, SecureRandom random) {
    AdminToken token = AdminToken.random(random);
    Set<StandardOpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileChannel channel;
    try {
      // Created 0600 in one step: the token is never in a file that others could open.
      channel = FileChannel.open(file, options, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException e) {
      return Optional.empty();
    } catch (UnsupportedOperationException e) {
      throw new AdminTokenException(
          "cannot create the admin token file "
              + file
              + " with mode 0600 (no POSIX permissions on that file system): create it yourself"
              + " and set admin-token-file",
          e);
    } catch (IOException e) {
      throw new AdminTokenException("cannot create the admin token file " + file + ": " + e, e);
    }
    try (channel) {
      ByteBuffer content = ByteBuffer.wrap(token.fileContent().getBytes(StandardCharsets.US_ASCII));
      while (content.hasRemaining()) {
        channel.write(content);
      }
      channel.force(true);
      return Optional.of(token);
    } catch (IOException e) {
      // An empty or half-written file would stop every later start: remove it.
      try {
        Files.deleteIfExists(file);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new AdminTokenException("cannot write the admin token file " + file + ": " + e, e);
    }
  }

  /** The permissions as {@code rw-r--r--} when group or others may read the file. */
  private static Optional<String> readableByOthers(Path file) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        return Optional.of(PosixFilePermissions.toString(permissions));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // no POSIX permissions to judge (or the file went): nothing to warn about
    }
    return Optional.empty();
  }
}
