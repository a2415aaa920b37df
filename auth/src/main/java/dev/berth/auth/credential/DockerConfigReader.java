package dev.berth.auth.credential;

import dev.berth.auth.credential.DockerConfigFile.Format;
import dev.berth.auth.gostd.Json;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One parse of a {@link DockerConfigFile}: recognizes the shape of the content (config.json,
 * .dockercfg, or a Secret holding either), turns each entry into credentials by the rules on {@link
 * DockerConfigFile}, and collects the warnings. Carries the source name and the location prefix for
 * messages.
 */
final class DockerConfigReader {
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

  private final String source;
  private final List<String> warnings = new ArrayList<>();
  private String prefix = "";

  DockerConfigReader(String source) {
    this.source = source;
  }

  /** Parses the whole text; a reader is used for one document. */
  DockerConfigFile document(String text) throws DockerConfigException {
    Map<String, Object> top = topObject(text);
    if (top.containsKey("kind")) {
      return secret(top);
    }
    boolean configJson =
        top.keySet().stream().anyMatch(k -> CONFIG_JSON_KEYS.contains(k.toLowerCase(Locale.ROOT)));
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
      text = DockerConfigFile.decodeUtf8(source, location, bytes);
    }
    if (text.isEmpty()) {
      throw fail(location, "is empty");
    }
    prefix = location + ": ";
    Map<String, Object> inner = topObject(text);
    List<DockerConfigFile.Entry> entries =
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

  private List<DockerConfigFile.Entry> configJson(Map<String, Object> top)
      throws DockerConfigException {
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
  private List<DockerConfigFile.Entry> dockercfg(Map<String, Object> map, String mapName)
      throws DockerConfigException {
    List<DockerConfigFile.Entry> entries = new ArrayList<>(map.size());
    for (Map.Entry<String, Object> member : map.entrySet()) {
      String key = member.getKey();
      String where = mapName + "[" + Json.quote(RegistryPath.redactUserinfo(key)) + "]";
      entries.add(new DockerConfigFile.Entry(key, credentials(member.getValue(), where)));
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
    String text = DockerConfigFile.decodeUtf8(source, prefix + where, decoded);
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
