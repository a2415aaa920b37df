package dev.berth.auth.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.auth.credential.Credential;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A decoded {@code CredentialProviderResponse} ({@code
 * staging/src/k8s.io/kubelet/pkg/apis/credentialprovider/v1/types.go}), read the way {@code
 * execPlugin.ExecPlugin} in {@code pkg/credentialprovider/plugin/plugin.go} reads it: first the
 * {@code apiVersion}, which must equal the request's; then a strict decode (unknown fields,
 * repeated keys and wrong types are errors) whose {@code kind} must be {@code
 * CredentialProviderResponse}; then, as {@code pluginProvider.provide} does, a {@code cacheKeyType}
 * of exactly {@code Image}, {@code Registry} or {@code Global}.
 *
 * <p>Every error message describes the problem without quoting the output, which holds passwords;
 * the one value echoed is a wrong {@code apiVersion}, and only when it has the shape of one.
 *
 * @param cacheKeyType how the answer is cached
 * @param cacheDuration empty when the response has none (the provider's default applies)
 * @param auth credentials by keyring key, in response order
 */
record PluginResponse(
    CacheKeyType cacheKeyType, Optional<Duration> cacheDuration, Map<String, Credential> auth) {

  static final String KIND = "CredentialProviderResponse";

  private static final Set<String> FIELDS =
      Set.of(
          "kind",
          "apiVersion",
          "cacheKeyType",
          "cacheDuration",
          "serviceAccountTokenCacheType",
          "auth");
  private static final Set<String> AUTH_FIELDS = Set.of("username", "password");
  private static final Pattern API_VERSION_SHAPE =
      Pattern.compile("[a-z0-9.-]{1,63}/v[0-9]+((alpha|beta)[0-9]+)?");

  /** The config's strict reader: duplicate keys and trailing tokens are errors, as in Go. */
  private static final ObjectMapper JSON = CredentialProviderConfig.JSON;

  /** {@code cacheKeyType}. */
  enum CacheKeyType {
    /** Keyed by the image as requested. */
    IMAGE,
    /** Keyed by the registry: the image up to its first {@code /}. */
    REGISTRY,
    /** One entry for every image the provider matches. */
    GLOBAL
  }

  PluginResponse {
    auth = Collections.unmodifiableMap(new LinkedHashMap<>(auth));
  }

  /** A response that cannot be used; the message holds nothing from the output but its shape. */
  static final class InvalidException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidException(String message) {
      super(message);
    }
  }

  /**
   * Decodes {@code stdout}.
   *
   * @param expectedApiVersion the request's {@code apiVersion}
   */
  static PluginResponse decode(byte[] stdout, String expectedApiVersion) throws InvalidException {
    JsonNode root;
    try {
      root = JSON.readTree(stdout);
    } catch (IOException e) {
      throw new InvalidException("stdout is not a JSON document (" + stdout.length + " bytes)");
    }
    if (root == null || root.isMissingNode()) {
      throw new InvalidException("stdout is not a JSON object (empty)");
    }
    if (!root.isObject()) {
      throw new InvalidException("stdout is not a JSON object (" + JsonFields.typeName(root) + ")");
    }
    JsonNode apiVersion = root.get("apiVersion");
    String actual = apiVersion != null && apiVersion.isTextual() ? apiVersion.textValue() : "";
    if (!actual.equals(expectedApiVersion)) {
      throw new InvalidException(
          "apiVersion of the response does not match the request's "
              + expectedApiVersion
              + (API_VERSION_SHAPE.matcher(actual).matches()
                  ? " (it is " + actual + ")"
                  : actual.isEmpty() ? " (it has none)" : ""));
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      if (!FIELDS.contains(it.next())) {
        throw new InvalidException("the response has an unknown top-level field");
      }
    }
    JsonNode kind = root.get("kind");
    if (kind == null || !kind.isTextual() || !kind.textValue().equals(KIND)) {
      throw new InvalidException("kind of the response is not " + KIND);
    }
    JsonNode tokenCacheType = root.get("serviceAccountTokenCacheType");
    if (tokenCacheType != null && !tokenCacheType.isNull() && !tokenCacheType.isTextual()) {
      throw new InvalidException("serviceAccountTokenCacheType is not a string");
    }

    JsonNode keyType = root.get("cacheKeyType");
    if (keyType != null && !keyType.isNull() && !keyType.isTextual()) {
      throw new InvalidException("cacheKeyType is not a string");
    }
    String keyTypeText = keyType == null || keyType.isNull() ? "" : keyType.textValue();
    CacheKeyType cacheKeyType =
        switch (keyTypeText) {
          case "Image" -> CacheKeyType.IMAGE;
          case "Registry" -> CacheKeyType.REGISTRY;
          case "Global" -> CacheKeyType.GLOBAL;
          default ->
              throw new InvalidException(
                  keyTypeText.isEmpty()
                      ? "cacheKeyType is missing"
                      : "cacheKeyType is not Image, Registry or Global");
        };

    Optional<Duration> cacheDuration = Optional.empty();
    JsonNode duration = root.get("cacheDuration");
    if (duration != null && !duration.isNull()) {
      if (!duration.isTextual()) {
        throw new InvalidException("cacheDuration is not a string");
      }
      try {
        cacheDuration = Optional.of(GoDuration.parse(duration.textValue()));
      } catch (IllegalArgumentException e) {
        throw new InvalidException("cacheDuration is not a Go duration");
      }
    }

    Map<String, Credential> auth = new LinkedHashMap<>();
    JsonNode authNode = root.get("auth");
    if (authNode != null && !authNode.isNull()) {
      if (!authNode.isObject()) {
        throw new InvalidException("auth is not an object");
      }
      int index = 0;
      for (Iterator<Map.Entry<String, JsonNode>> it = authNode.properties().iterator();
          it.hasNext();
          index++) {
        Map.Entry<String, JsonNode> entry = it.next();
        String where = "auth entry #" + index;
        JsonNode value = entry.getValue();
        if (value.isNull()) {
          auth.put(entry.getKey(), Credential.basic("", ""));
          continue;
        }
        if (!value.isObject()) {
          throw new InvalidException(where + " is not an object");
        }
        for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
          if (!AUTH_FIELDS.contains(names.next())) {
            throw new InvalidException(where + " has an unknown field");
          }
        }
        String username = text(value.get("username"), where + ".username");
        String password = text(value.get("password"), where + ".password");
        if (username.indexOf('\0') >= 0) {
          throw new InvalidException(where + ".username contains NUL");
        }
        auth.put(entry.getKey(), Credential.basic(username, password));
      }
    }
    return new PluginResponse(cacheKeyType, cacheDuration, auth);
  }

  private static String text(JsonNode node, String where) throws InvalidException {
    if (node == null || node.isNull()) {
      return "";
    }
    if (!node.isTextual()) {
      throw new InvalidException(where + " is not a string");
    }
    return node.textValue();
  }

  /** Never shows a credential. */
  @Override
  public String toString() {
    return "PluginResponse[cacheKeyType="
        + cacheKeyType
        + ", cacheDuration="
        + cacheDuration.map(GoDuration::format).orElse("<default>")
        + ", auth keys="
        + auth.keySet()
        + "]";
  }
}
