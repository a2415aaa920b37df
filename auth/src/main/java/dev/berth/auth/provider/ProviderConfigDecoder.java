package dev.berth.auth.provider;

import static dev.berth.auth.provider.CredentialProviderConfig.PLUGIN_API_VERSION;
import static dev.berth.auth.provider.JsonFields.member;
import static dev.berth.auth.provider.JsonFields.quote;
import static dev.berth.auth.provider.JsonFields.sorted;
import static dev.berth.auth.provider.JsonFields.string;
import static dev.berth.auth.provider.JsonFields.strings;
import static dev.berth.auth.provider.JsonFields.typeName;
import static dev.berth.auth.provider.JsonFields.unknownFields;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.berth.auth.credential.RegistryPath;
import dev.berth.auth.provider.CredentialProviderConfig.EnvVar;
import dev.berth.auth.provider.CredentialProviderConfig.TokenAttributes;
import dev.berth.auth.provider.JsonFields.Problems;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns a parsed {@code CredentialProviderConfig} document into its providers, checking it as the
 * kubelet's strict decode and {@code validateCredentialProviderConfig} do (the rules are listed on
 * {@link CredentialProviderConfig}). Every problem is collected, none stops the walk.
 */
final class ProviderConfigDecoder {
  static final String KIND = "CredentialProviderConfig";
  static final Set<String> CONFIG_API_VERSIONS =
      Set.of(
          "kubelet.config.k8s.io/v1",
          "kubelet.config.k8s.io/v1beta1",
          "kubelet.config.k8s.io/v1alpha1");

  private ProviderConfigDecoder() {}

  /** The document's valid providers in order; every problem found goes to {@code problems}. */
  static List<CredentialProviderConfig.Provider> decode(JsonNode root, Problems problems) {
    if (!root.isObject()) {
      problems.add("", "must be an object, not " + typeName(root));
      return List.of();
    }
    unknownFields(root, "", Set.of("kind", "apiVersion", "providers"), problems);
    String kind = string(root, "kind", "", problems);
    if (kind == null || kind.isEmpty()) {
      problems.add("kind", "required (" + KIND + ")");
    } else if (!kind.equals(KIND)) {
      problems.add("kind", "must be " + KIND + ", not " + quote(kind));
    }
    String apiVersion = string(root, "apiVersion", "", problems);
    if (apiVersion == null || apiVersion.isEmpty()) {
      problems.add("apiVersion", "required (kubelet.config.k8s.io/v1)");
    } else if (!CONFIG_API_VERSIONS.contains(apiVersion)) {
      problems.add(
          "apiVersion",
          "unsupported value " + quote(apiVersion) + "; supported: " + sorted(CONFIG_API_VERSIONS));
    }
    List<CredentialProviderConfig.Provider> providers = new ArrayList<>();
    JsonNode list = root.get("providers");
    if (list != null && !list.isNull() && !list.isArray()) {
      problems.add("providers", "must be an array, not " + typeName(list));
      return providers;
    }
    if (list == null || list.isNull() || list.isEmpty()) {
      problems.add("providers", "required: at least 1 item in providers is required");
      return providers;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      CredentialProviderConfig.Provider p =
          provider(list.get(i), "providers[" + i + "]", seen, problems);
      if (p != null) {
        providers.add(p);
      }
    }
    return providers;
  }

  private static CredentialProviderConfig.@Nullable Provider provider(
      JsonNode node, String at, Set<String> seen, Problems problems) {
    if (!node.isObject()) {
      problems.add(at, "must be an object, not " + typeName(node));
      return null;
    }
    int before = problems.list.size();
    unknownFields(
        node,
        at,
        Set.of(
            "name",
            "matchImages",
            "defaultCacheDuration",
            "apiVersion",
            "args",
            "env",
            "tokenAttributes"),
        problems);

    String name = string(node, "name", at, problems);
    String nameAt = at + ".name";
    if (name == null || name.isEmpty()) {
      problems.add(nameAt, "required");
    } else {
      if (name.contains("/")) {
        problems.add(nameAt, "invalid value " + quote(name) + ": provider name cannot contain '/'");
      }
      if (name.contains(" ")) {
        problems.add(
            nameAt, "invalid value " + quote(name) + ": provider name cannot contain spaces");
      }
      if (name.equals(".") || name.equals("..")) {
        problems.add(nameAt, "invalid value " + quote(name) + ": provider name cannot be " + name);
      }
      if (!seen.add(name)) {
        problems.add(nameAt, "duplicate value " + quote(name));
      }
    }

    String apiVersion = string(node, "apiVersion", at, problems);
    if (apiVersion == null || apiVersion.isEmpty()) {
      problems.add(at + ".apiVersion", "required (" + PLUGIN_API_VERSION + ")");
    } else if (!apiVersion.equals(PLUGIN_API_VERSION)) {
      problems.add(
          at + ".apiVersion",
          "unsupported value " + quote(apiVersion) + "; supported: " + quote(PLUGIN_API_VERSION));
    }

    List<String> matchImages = strings(node, "matchImages", at, problems);
    JsonNode matchNode = node.get("matchImages");
    if (matchNode == null || matchNode.isNull() || (matchNode.isArray() && matchNode.isEmpty())) {
      problems.add(at + ".matchImages", "required: at least 1 item in matchImages is required");
    }
    for (int j = 0; j < matchImages.size(); j++) {
      String m = matchImages.get(j);
      try {
        RegistryPath.parse(m);
      } catch (IllegalArgumentException e) {
        problems.add(at + ".matchImages[" + j + "]", "match image is invalid: " + e.getMessage());
      }
    }

    Duration defaultCacheDuration = null;
    String durationAt = at + ".defaultCacheDuration";
    String durationText = string(node, "defaultCacheDuration", at, problems);
    if (durationText == null) {
      if (!node.has("defaultCacheDuration") || node.get("defaultCacheDuration").isNull()) {
        problems.add(durationAt, "required");
      }
    } else {
      try {
        defaultCacheDuration = GoDuration.parse(durationText);
        if (defaultCacheDuration.isNegative()) {
          problems.add(
              durationAt,
              "invalid value "
                  + quote(durationText)
                  + ": defaultCacheDuration must be greater than or equal to 0");
        }
      } catch (IllegalArgumentException e) {
        problems.add(durationAt, Objects.requireNonNullElse(e.getMessage(), "invalid"));
      }
    }

    List<String> args = strings(node, "args", at, problems);
    List<EnvVar> env = env(node, at, problems);
    Optional<TokenAttributes> tokenAttributes = tokenAttributes(node, at, problems);

    if (problems.list.size() != before) {
      return null;
    }
    return new CredentialProviderConfig.Provider(
        Objects.requireNonNull(name),
        matchImages,
        Objects.requireNonNull(defaultCacheDuration),
        Objects.requireNonNull(apiVersion),
        args,
        env,
        tokenAttributes);
  }

  private static List<EnvVar> env(JsonNode node, String at, Problems problems) {
    JsonNode list = member(node, "env", at, JsonNodeType.ARRAY, "an array", problems);
    if (list == null) {
      return List.of();
    }
    String envAt = at + ".env";
    List<EnvVar> env = new ArrayList<>();
    for (int k = 0; k < list.size(); k++) {
      JsonNode entry = list.get(k);
      String entryAt = envAt + "[" + k + "]";
      if (!entry.isObject()) {
        problems.add(entryAt, "must be an object, not " + typeName(entry));
        continue;
      }
      unknownFields(entry, entryAt, Set.of("name", "value"), problems);
      String name = string(entry, "name", entryAt, problems);
      String value = string(entry, "value", entryAt, problems);
      if (name == null || name.isEmpty()) {
        problems.add(entryAt + ".name", "required");
      } else if (name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        problems.add(entryAt + ".name", "invalid value " + quote(name) + ": must not contain '='");
      } else {
        env.add(new EnvVar(name, value == null ? "" : value));
      }
    }
    return env;
  }

  private static Optional<TokenAttributes> tokenAttributes(
      JsonNode node, String at, Problems problems) {
    JsonNode t = member(node, "tokenAttributes", at, JsonNodeType.OBJECT, "an object", problems);
    if (t == null) {
      return Optional.empty();
    }
    String tAt = at + ".tokenAttributes";
    unknownFields(
        t,
        tAt,
        Set.of(
            "serviceAccountTokenAudience",
            "requireServiceAccount",
            "cacheType",
            "requiredServiceAccountAnnotationKeys",
            "optionalServiceAccountAnnotationKeys"),
        problems);
    String audience = string(t, "serviceAccountTokenAudience", tAt, problems);
    if (audience == null || audience.isEmpty()) {
      problems.add(tAt + ".serviceAccountTokenAudience", "required");
    }
    JsonNode require = t.get("requireServiceAccount");
    if (require == null || require.isNull()) {
      problems.add(tAt + ".requireServiceAccount", "required");
    } else if (!require.isBoolean()) {
      problems.add(tAt + ".requireServiceAccount", "must be a boolean, not " + typeName(require));
    }
    String cacheType = string(t, "cacheType", tAt, problems);
    if (cacheType == null || cacheType.isEmpty()) {
      problems.add(tAt + ".cacheType", "required");
    }
    List<String> required = strings(t, "requiredServiceAccountAnnotationKeys", tAt, problems);
    List<String> optional = strings(t, "optionalServiceAccountAnnotationKeys", tAt, problems);
    if (audience == null
        || audience.isEmpty()
        || require == null
        || !require.isBoolean()
        || cacheType == null
        || cacheType.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new TokenAttributes(audience, require.booleanValue(), cacheType, required, optional));
  }
}
