package dev.berth.auth.credential;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One parsed credential file: its entries (config key → credentials) in file order, and warnings
 * about what it holds but cannot be used.
 *
 * <p>Accepted shapes, recognized by content rather than file name (a mounted Secret key has
 * whatever name the volume gives it):
 *
 * <ul>
 *   <li>docker's {@code config.json}: {@code {"auths": {"<key>": {...}}, ...}}. Other top-level
 *       keys are ignored; {@code credsStore} and {@code credHelpers} get a warning, since the
 *       kubelet does not run credential helpers either. A document is this shape when it has an
 *       {@code auths} key or any other key docker's config file defines.
 *   <li>the legacy {@code .dockercfg}: the bare map {@code {"<key>": {...}}}.
 *   <li>a Secret manifest in JSON, {@code {"kind": "Secret", "type":
 *       "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "<base64>"}}}, whose
 *       decoded value is a {@code config.json}; or {@code "type": "kubernetes.io/dockercfg"} with
 *       {@code ".dockercfg"}, whose decoded value is the legacy map. {@code stringData} (plain JSON
 *       text) wins over {@code data}, as in the API server.
 * </ul>
 *
 * <p>An entry ({@code types.AuthConfig}) yields, in docker's order of precedence: a {@link
 * Credential.Kind#REGISTRY_TOKEN} for {@code registrytoken}, an {@link
 * Credential.Kind#IDENTITY_TOKEN} for {@code identitytoken} (with the entry's user name), and a
 * {@link Credential.Kind#BASIC} for the user name and password. A non-empty {@code auth} is {@code
 * base64(username:password)} and overrides {@code username} and {@code password}; it is decoded as
 * the kubelet does (padded base64 when it ends in {@code =}, unpadded otherwise, line breaks
 * ignored), split at the first {@code :}, and trailing NULs are trimmed from the password, as
 * docker does. Next to a token, an empty password is only the holder of the user name and yields no
 * BASIC credential. Field names match case-insensitively and a repeated field keeps its last value,
 * as Go's {@code encoding/json} decodes them for the kubelet; {@code null} counts as absent;
 * unknown fields ({@code email}, {@code serveraddress}) are ignored.
 *
 * <p>A file with any broken part is rejected as a whole, as the kubelet rejects it: a {@link
 * DockerConfigException} names the file and the key, never a secret.
 */
public final class DockerConfigFile {
  /** Larger than any Secret (1 MiB) or sane config.json; bounds what a bad mount can cost. */
  public static final int MAX_SIZE = 4 * 1024 * 1024;

  /** Which shape the content had. */
  public enum Format {
    CONFIG_JSON,
    DOCKERCFG,
    SECRET_DOCKERCONFIGJSON,
    SECRET_DOCKERCFG
  }

  /**
   * One config key with its credentials.
   *
   * @param key the key as written in the file, e.g. {@code https://index.docker.io/v1/}
   * @param credentials at least one, in the order of precedence described on the class
   */
  public record Entry(String key, List<Credential> credentials) {
    public Entry {
      Objects.requireNonNull(key, "key");
      credentials = List.copyOf(credentials);
      if (credentials.isEmpty()) {
        throw new IllegalArgumentException("credentials: an entry needs at least one");
      }
    }
  }

  private final String source;
  private final Format format;
  private final List<Entry> entries;
  private final List<String> warnings;

  DockerConfigFile(String source, Format format, List<Entry> entries, List<String> warnings) {
    this.source = source;
    this.format = format;
    this.entries = List.copyOf(entries);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Reads and parses {@code file} (at most {@link #MAX_SIZE} bytes, UTF-8).
   *
   * @throws IOException when the file cannot be read ({@link java.nio.file.NoSuchFileException}
   *     when it does not exist)
   * @throws DockerConfigException when its content is not a usable credential file
   */
  public static DockerConfigFile read(Path file) throws IOException, DockerConfigException {
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readNBytes(MAX_SIZE + 1);
    }
    if (content.length > MAX_SIZE) {
      throw new DockerConfigException(
          file.toString(), "", "larger than " + MAX_SIZE + " bytes; not a credential file");
    }
    return parse(file.toString(), content);
  }

  /**
   * Parses UTF-8 content.
   *
   * @param source names the content in messages, usually the file path
   */
  public static DockerConfigFile parse(String source, byte[] content) throws DockerConfigException {
    return parse(source, decodeUtf8(source, "", content));
  }

  /**
   * Parses content already decoded to text.
   *
   * @param source names the content in messages, usually the file path
   */
  public static DockerConfigFile parse(String source, String content) throws DockerConfigException {
    Objects.requireNonNull(source, "source");
    return new DockerConfigReader(source).document(content);
  }

  /** The name given to {@link #parse}, or the path given to {@link #read}. */
  public String source() {
    return source;
  }

  public Format format() {
    return format;
  }

  /** The entries in file order. */
  public List<Entry> entries() {
    return entries;
  }

  /**
   * Things in the file that are valid but not used: credential helpers, keys the keyring skips, a
   * config without {@code auths}. Each names the file; none holds a secret.
   */
  public List<String> warnings() {
    return warnings;
  }

  @Override
  public String toString() {
    return "DockerConfigFile["
        + source
        + ", "
        + format
        + ", keys="
        + entries.stream().map(e -> RegistryPath.redactUserinfo(e.key())).toList()
        + "]";
  }

  /** Strict UTF-8: a malformed byte is an error at {@code location}, naming its offset. */
  static String decodeUtf8(String source, String location, byte[] bytes)
      throws DockerConfigException {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      throw new DockerConfigException(
          source, location, "not valid UTF-8 (at byte offset " + in.position() + ")");
    }
    return out.flip().toString();
  }
}
