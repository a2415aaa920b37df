package dev.berth.auth.credential;

import dev.berth.auth.gostd.Json;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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

  private static final String DOCKERCONFIGJSON_TYPE = "kubernetes.io/dockerconfigjson";
  private static final String DOCKERCFG_TYPE = "kubernetes.io/dockercfg";

  /** Top-level keys of docker/cli's {@code configfile.ConfigFile}, lower-cased. */
  private static final Set<String> CONFIG_JSON_KEYS =
      Set.of(
          "auths",
          "httpheaders",
          "psformat",
          "imagesformat",
          "networksformat",
          "pluginsformat",
          "volumesformat",
          "statsformat",
          "detachkeys",
          "credsstore",
          "credhelpers",
          "serviceinspectformat",
          "servicesformat",
          "tasksformat",
          "secretformat",
          "configformat",
          "nodesformat",
          "prunefilters",
          "proxies",
          "experimental",
          "stackorchestrator",
          "kubernetes",
          "currentcontext",
          "clipluginsextradirs",
          "plugins",
          "aliases",
          "features");

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

  private DockerConfigFile(
      String source, Format format, List<Entry> entries, List<String> warnings) {
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
    return new Reader(source).document(content);
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

  private static String decodeUtf8(String source, String location, byte[] bytes)
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

  /** One parse: carries the source name and the location prefix for messages. */
  private static final class Reader {
    private final String source;
    private final List<String> warnings = new ArrayList<>();
    private String prefix = "";

    Reader(String source) {
      this.source = source;
    }

    DockerConfigFile document(String text) throws DockerConfigException {
      Map<String, Object> top = topObject(text);
      if (top.containsKey("kind")) {
        return secret(top);
      }
      boolean configJson =
          top.keySet().stream()
              .anyMatch(k -> CONFIG_JSON_KEYS.contains(k.toLowerCase(Locale.ROOT)));
      if (configJson) {
        return new DockerConfigFile(source, Format.CONFIG_JSON, configJson(top), warnings);
      }
      return new DockerConfigFile(source, Format.DOCKERCFG, dockercfg(top, ""), warnings);
    }

    private Map<String, Object> topObject(String text) throws DockerConfigException {
      Object value;
      try {
        value = Json.parse(text);
      } catch (Json.SyntaxException e) {
        throw fail("", Objects.requireNonNullElse(e.getMessage(), e.toString()));
      }
      if (!(value instanceof Map)) {
        throw fail("", "expected a JSON object at the top level, found " + Json.typeName(value));
      }
      return asObject(value);
    }

    private DockerConfigFile secret(Map<String, Object> top) throws DockerConfigException {
      Object kind = top.getOrDefault("kind", Json.NULL);
      if (!"Secret".equals(kind)) {
        throw fail("kind", "expected \"Secret\", found " + describe(kind));
      }
      Object type = top.getOrDefault("type", Json.NULL);
      String dataKey;
      Format format;
      if (DOCKERCONFIGJSON_TYPE.equals(type)) {
        dataKey = ".dockerconfigjson";
        format = Format.SECRET_DOCKERCONFIGJSON;
      } else if (DOCKERCFG_TYPE.equals(type)) {
        dataKey = ".dockercfg";
        format = Format.SECRET_DOCKERCFG;
      } else {
        throw fail(
            "type",
            "unsupported Secret type "
                + describe(type)
                + " (the kubelet reads only "
                + DOCKERCONFIGJSON_TYPE
                + " and "
                + DOCKERCFG_TYPE
                + ")");
      }
      String location;
      String text;
      Object plain = objectField(top, "stringData").get(dataKey);
      if (plain != null && plain != Json.NULL) {
        location = "stringData[" + Json.quote(dataKey) + "]";
        if (!(plain instanceof String s)) {
          throw fail(location, "expected a string, found " + Json.typeName(plain));
        }
        text = s;
      } else {
        location = "data[" + Json.quote(dataKey) + "]";
        Object encoded = objectField(top, "data").getOrDefault(dataKey, Json.NULL);
        if (encoded == Json.NULL) {
          throw fail(location, "missing; a " + describe(type) + " Secret must have it");
        }
        if (!(encoded instanceof String s)) {
          throw fail(location, "expected a base64 string, found " + Json.typeName(encoded));
        }
        byte[] bytes;
        try {
          // The API server encodes []byte with Go's padded StdEncoding, which skips line breaks.
          bytes = Base64.getDecoder().decode(s.replace("\r", "").replace("\n", ""));
        } catch (IllegalArgumentException e) {
          throw fail(location, "not valid base64");
        }
        text = decodeUtf8(source, location, bytes);
      }
      if (text.isEmpty()) {
        throw fail(location, "is empty");
      }
      prefix = location + ": ";
      Map<String, Object> inner = topObject(text);
      List<Entry> entries =
          format == Format.SECRET_DOCKERCONFIGJSON ? configJson(inner) : dockercfg(inner, "");
      return new DockerConfigFile(source, format, entries, warnings);
    }

    private Map<String, Object> objectField(Map<String, Object> top, String name)
        throws DockerConfigException {
      Object value = top.getOrDefault(name, Json.NULL);
      if (value == Json.NULL) {
        return Map.of();
      }
      if (!(value instanceof Map)) {
        throw fail(name, "expected an object, found " + Json.typeName(value));
      }
      return asObject(value);
    }

    private List<Entry> configJson(Map<String, Object> top) throws DockerConfigException {
      Field auths = Field.find(top, "auths");
      Field credsStore = Field.find(top, "credsStore");
      if (credsStore.value() instanceof String store && !store.isEmpty()) {
        warn(
            "credsStore "
                + Json.quote(store)
                + " is not supported (nor by the kubelet): credentials kept by"
                + " docker-credential-"
                + store
                + " are not used");
      }
      Field credHelpers = Field.find(top, "credHelpers");
      if (credHelpers.value() instanceof Map<?, ?> helpers && !helpers.isEmpty()) {
        warn(
            "credHelpers for "
                + helpers.keySet().stream()
                    .map(k -> Json.quote(RegistryPath.redactUserinfo((String) k)))
                    .toList()
                + " are not supported (nor by the kubelet): those registries get no"
                + " credentials from credential helpers");
      }
      if (auths.value() == Json.NULL) {
        if (auths.name().isEmpty()) {
          warn("no \"auths\" object: the file holds no credentials");
        }
        return List.of();
      }
      if (!(auths.value() instanceof Map)) {
        throw fail(auths.name(), "expected an object, found " + Json.typeName(auths.value()));
      }
      return dockercfg(asObject(auths.value()), auths.name());
    }

    /** The map of key → entry: {@code auths} of a config.json, or a whole .dockercfg. */
    private List<Entry> dockercfg(Map<String, Object> map, String mapName)
        throws DockerConfigException {
      List<Entry> entries = new ArrayList<>(map.size());
      for (Map.Entry<String, Object> member : map.entrySet()) {
        String key = member.getKey();
        String where = mapName + "[" + Json.quote(RegistryPath.redactUserinfo(key)) + "]";
        entries.add(new Entry(key, credentials(member.getValue(), where)));
        CredentialKeyring.keyProblem(key).ifPresent(this::warn);
      }
      return entries;
    }

    private List<Credential> credentials(Object value, String where) throws DockerConfigException {
      if (value == Json.NULL) {
        throw fail(where, noUsableCredential());
      }
      if (!(value instanceof Map)) {
        throw fail(where, "expected an object, found " + Json.typeName(value));
      }
      Map<String, Object> entry = asObject(value);
      String username = string(entry, "username", where);
      String password = string(entry, "password", where);
      String identityToken = string(entry, "identitytoken", where);
      String registryToken = string(entry, "registrytoken", where);
      Field auth = Field.find(entry, "auth");
      String authText = string(entry, "auth", where);
      if (!authText.isEmpty()) {
        String[] pair = decodeAuth(authText, where + "." + auth.name());
        username = pair[0];
        password = pair[1];
      }
      List<Credential> credentials = new ArrayList<>(3);
      try {
        if (!registryToken.isEmpty()) {
          credentials.add(new Credential(username, registryToken, Credential.Kind.REGISTRY_TOKEN));
        }
        if (!identityToken.isEmpty()) {
          credentials.add(Credential.identityToken(username, identityToken));
        }
        boolean tokens = !credentials.isEmpty();
        if (!password.isEmpty() || (!tokens && !username.isEmpty())) {
          credentials.add(Credential.basic(username, password));
        }
      } catch (IllegalArgumentException e) {
        // Credential's messages name fields, never values.
        throw fail(where, Objects.requireNonNullElse(e.getMessage(), "invalid"));
      }
      if (credentials.isEmpty()) {
        throw fail(where, noUsableCredential());
      }
      return credentials;
    }

    private static String noUsableCredential() {
      return "no usable credential (expected auth, username/password, identitytoken or"
          + " registrytoken)";
    }

    /** The kubelet's {@code decodeDockerConfigFieldAuth}, plus docker's NUL trimming. */
    private String[] decodeAuth(String auth, String where) throws DockerConfigException {
      String compact = auth.replace("\r", "").replace("\n", "");
      byte[] decoded;
      try {
        if (auth.strip().endsWith("=")) {
          // Go's StdEncoding: full 4-character quanta with correct padding.
          if (compact.length() % 4 != 0) {
            throw new IllegalArgumentException("padding");
          }
        } else if (compact.indexOf('=') >= 0 || compact.length() % 4 == 1) {
          // Go's RawStdEncoding: no '=' at all; a lone trailing character is never valid.
          throw new IllegalArgumentException("padding");
        }
        decoded = Base64.getDecoder().decode(compact);
      } catch (IllegalArgumentException e) {
        throw fail(where, "not valid base64");
      }
      String text = decodeUtf8(source, prefix + where, decoded);
      int colon = text.indexOf(':');
      if (colon < 0) {
        throw fail(where, "decoded value is not username:password (no ':')");
      }
      String password = text.substring(colon + 1);
      int end = password.length();
      while (end > 0 && password.charAt(end - 1) == '\0') {
        end--;
      }
      return new String[] {text.substring(0, colon), password.substring(0, end)};
    }

    private String string(Map<String, Object> entry, String name, String where)
        throws DockerConfigException {
      Field field = Field.find(entry, name);
      if (field.value() == Json.NULL) {
        return "";
      }
      if (!(field.value() instanceof String s)) {
        throw fail(
            where + "." + field.name(), "expected a string, found " + Json.typeName(field.value()));
      }
      return s;
    }

    private void warn(String message) {
      warnings.add(source + ": " + prefix + message);
    }

    private DockerConfigException fail(String location, String problem) {
      String where = prefix + location;
      if (where.endsWith(": ")) {
        where = where.substring(0, where.length() - 2);
      }
      return new DockerConfigException(source, where, problem);
    }

    /** Only for values that cannot be secrets (kind, type). */
    private static String describe(Object value) {
      return value instanceof String s ? Json.quote(s) : Json.typeName(value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object value) {
      return (Map<String, Object>) value;
    }
  }

  /**
   * A struct field found Go's way: name compared case-insensitively, the last match wins.
   *
   * @param name the key as written in the file; empty when absent
   * @param value {@link Json#NULL} when absent
   */
  private record Field(String name, Object value) {
    static Field find(Map<String, Object> object, String name) {
      Field found = new Field("", Json.NULL);
      for (Map.Entry<String, Object> member : object.entrySet()) {
        if (member.getKey().equalsIgnoreCase(name)) {
          found = new Field(member.getKey(), member.getValue());
        }
      }
      return found;
    }
  }
}
