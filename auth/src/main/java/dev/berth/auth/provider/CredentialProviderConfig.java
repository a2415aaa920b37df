package dev.berth.auth.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The kubelet's {@code CredentialProviderConfig} ({@code --image-credential-provider-config}), read
 * and validated the way the kubelet does.
 *
 * <p><b>Sources.</b> {@code pkg/credentialprovider/plugin/config.go} in kubernetes/kubernetes
 * ({@code readCredentialProviderConfig}, {@code decode}, {@code validateCredentialProviderConfig})
 * and the types in {@code staging/src/k8s.io/kubelet/config/v1*}/{@code CredentialProvider}.
 *
 * <p><b>Decoding.</b> YAML or JSON (text starting with <code>{</code> is read as JSON). The kubelet
 * decodes with a strict codec, so here too an unknown field, a repeated key or a value of the wrong
 * type is an error. {@code kind} must be {@code CredentialProviderConfig} and {@code apiVersion}
 * one of {@code kubelet.config.k8s.io/v1}, {@code v1beta1}, {@code v1alpha1} (same shape).
 * Durations are Go duration strings ({@code metav1.Duration}), so an unquoted YAML number such as
 * {@code 0} is a type error, as in the kubelet. A directory is read like newer kubelets do: every
 * {@code *.json}, {@code *.yaml} and {@code *.yml} file in it in lexicographic order, providers
 * merged, a name repeated across files an error.
 *
 * <p><b>Validation</b> ({@code validateCredentialProviderConfig}): at least one provider; {@code
 * name} must not contain {@code /} or a space nor be {@code .} or {@code ..}, and names are unique;
 * {@code apiVersion} is required and must be {@code credentialprovider.kubelet.k8s.io/v1} (the
 * kubelet also accepts {@code v1beta1}/{@code v1alpha1}; berth speaks only {@code v1}); {@code
 * matchImages} needs at least one entry and each must parse as a schemeless URL ({@code
 * ParseSchemelessURL}; a malformed glob such as {@code [a-} is accepted and simply matches nothing,
 * as in the kubelet); {@code defaultCacheDuration} is required and must not be negative. berth adds
 * two checks the kubelet leaves to its type system: {@code name} must not be empty (the kubelet
 * would then fail to find the binary) and every {@code env} entry needs a name without {@code =}.
 * {@code tokenAttributes} (service account token mode) is read and checked for its required fields
 * ({@code serviceAccountTokenAudience}, {@code requireServiceAccount}, {@code cacheType}); berth
 * pulls for no pod, so such a provider behaves as it does in the kubelet for a pod without a
 * service account: with {@code requireServiceAccount: true} it is never run, otherwise it runs
 * without a token.
 *
 * <p>Errors name the field with its index, {@code providers[1].matchImages[0]}, where the kubelet
 * says {@code providers.matchImages}. All problems are collected, as the kubelet aggregates them.
 */
public final class CredentialProviderConfig {
  /** The only plugin protocol version berth speaks. */
  public static final String PLUGIN_API_VERSION = "credentialprovider.kubelet.k8s.io/v1";

  /** Larger than any sane config; bounds what a mistaken path makes us read. */
  static final int MAX_SIZE = 1 << 20;

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .build();
  private static final ObjectMapper YAML =
      YAMLMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .build();

  /**
   * One {@code providers[]} entry.
   *
   * @param name the plugin binary's file name in the bin directory
   * @param matchImages the kubelet keyring globs an image must match for the plugin to run
   * @param defaultCacheDuration used when a response has no {@code cacheDuration}; zero means "do
   *     not cache"
   * @param apiVersion the request/response version, always {@link #PLUGIN_API_VERSION}
   * @param args passed to the plugin in order
   * @param env added to (and overriding) berth's own environment, in order
   * @param tokenAttributes service account token mode, if configured
   */
  public record Provider(
      String name,
      List<String> matchImages,
      Duration defaultCacheDuration,
      String apiVersion,
      List<String> args,
      List<EnvVar> env,
      Optional<TokenAttributes> tokenAttributes) {
    public Provider {
      Objects.requireNonNull(name, "name");
      matchImages = List.copyOf(matchImages);
      Objects.requireNonNull(defaultCacheDuration, "defaultCacheDuration");
      Objects.requireNonNull(apiVersion, "apiVersion");
      args = List.copyOf(args);
      env = List.copyOf(env);
      Objects.requireNonNull(tokenAttributes, "tokenAttributes");
    }

    /** Whether the kubelet would ever run this plugin for a pull without a pod service account. */
    public boolean runsWithoutServiceAccount() {
      return tokenAttributes.map(t -> !t.requireServiceAccount()).orElse(true);
    }

    /** Names, patterns and durations; neither the args nor the env values (they may be secret). */
    @Override
    public String toString() {
      return "Provider[name="
          + name
          + ", matchImages="
          + matchImages
          + ", defaultCacheDuration="
          + GoDuration.format(defaultCacheDuration)
          + ", apiVersion="
          + apiVersion
          + ", args=<"
          + args.size()
          + ">, env="
          + env.stream().map(EnvVar::name).toList()
          + ", tokenAttributes="
          + tokenAttributes.isPresent()
          + "]";
    }
  }

  /** One {@code env} entry; {@link #toString()} hides the value. */
  public record EnvVar(String name, String value) {
    public EnvVar {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "EnvVar[name=" + name + ", value=<redacted>]";
    }
  }

  /** {@code tokenAttributes}: the service account token mode of newer kubelets. */
  public record TokenAttributes(
      String serviceAccountTokenAudience,
      boolean requireServiceAccount,
      String cacheType,
      List<String> requiredServiceAccountAnnotationKeys,
      List<String> optionalServiceAccountAnnotationKeys) {
    public TokenAttributes {
      Objects.requireNonNull(serviceAccountTokenAudience, "serviceAccountTokenAudience");
      Objects.requireNonNull(cacheType, "cacheType");
      requiredServiceAccountAnnotationKeys = List.copyOf(requiredServiceAccountAnnotationKeys);
      optionalServiceAccountAnnotationKeys = List.copyOf(optionalServiceAccountAnnotationKeys);
    }
  }

  private final String source;
  private final List<Provider> providers;

  private CredentialProviderConfig(String source, List<Provider> providers) {
    this.source = source;
    this.providers = List.copyOf(providers);
  }

  /**
   * Reads and validates {@code path}: a file, or a directory of {@code *.json}/{@code
   * *.yaml}/{@code *.yml} files.
   *
   * @throws CredentialProviderConfigException naming the file and every bad key
   */
  public static CredentialProviderConfig read(Path path) throws CredentialProviderConfigException {
    Objects.requireNonNull(path, "path");
    String source = path.toString();
    List<Path> files;
    if (Files.isDirectory(path)) {
      try (Stream<Path> entries = Files.list(path)) {
        files =
            entries
                .filter(p -> !Files.isDirectory(p))
                .filter(
                    p -> {
                      String n = p.getFileName().toString();
                      return n.endsWith(".json") || n.endsWith(".yaml") || n.endsWith(".yml");
                    })
                .sorted((a, b) -> a.toString().compareTo(b.toString()))
                .toList();
      } catch (IOException e) {
        throw new CredentialProviderConfigException(source, "cannot list directory: " + e);
      }
      if (files.isEmpty()) {
        throw new CredentialProviderConfigException(
            source, "no *.json, *.yaml or *.yml configuration files in the directory");
      }
    } else {
      files = List.of(path);
    }
    List<Provider> merged = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Path file : files) {
      byte[] content;
      try (InputStream in = Files.newInputStream(file)) {
        content = in.readNBytes(MAX_SIZE + 1);
      } catch (NoSuchFileException e) {
        throw new CredentialProviderConfigException(file.toString(), "no such file");
      } catch (IOException e) {
        throw new CredentialProviderConfigException(
            file.toString(), "cannot read: " + e.getClass().getSimpleName());
      }
      if (content.length > MAX_SIZE) {
        throw new CredentialProviderConfigException(
            file.toString(),
            "larger than " + MAX_SIZE + " bytes; not a credential provider config");
      }
      CredentialProviderConfig one = parse(file.toString(), content);
      for (Provider p : one.providers()) {
        if (!names.add(p.name())) {
          throw new CredentialProviderConfigException(
              source,
              "duplicate provider name "
                  + JsonFields.quote(p.name())
                  + " across configuration files");
        }
        merged.add(p);
      }
    }
    return new CredentialProviderConfig(source, merged);
  }

  /**
   * Parses and validates one document.
   *
   * @param source names the document in messages (usually its path)
   * @throws CredentialProviderConfigException naming {@code source} and every bad key
   */
  public static CredentialProviderConfig parse(String source, byte[] content)
      throws CredentialProviderConfigException {
    JsonNode root;
    try {
      root = looksLikeJson(content) ? JSON.readTree(content) : YAML.readTree(content);
    } catch (JsonProcessingException e) {
      // Parser messages may quote a piece of the input (an env value can be a secret): keep the
      // position, and the reason only when it is a repeated key, which names just the key.
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      String reason = e.getOriginalMessage();
      throw new CredentialProviderConfigException(
          source,
          "not valid "
              + (looksLikeJson(content) ? "JSON" : "YAML")
              + where
              + (reason != null && reason.startsWith("Duplicate field") ? ": " + reason : ""));
    } catch (IOException e) {
      throw new CredentialProviderConfigException(source, "cannot parse: " + e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new CredentialProviderConfigException(source, "empty document");
    }
    JsonFields.Problems problems = new JsonFields.Problems();
    List<Provider> providers = ProviderConfigDecoder.decode(root, problems);
    if (!problems.list.isEmpty()) {
      throw new CredentialProviderConfigException(source, problems.list);
    }
    return new CredentialProviderConfig(source, providers);
  }

  /** The providers in config order. */
  public List<Provider> providers() {
    return providers;
  }

  /** The path (or source name) read. */
  public String source() {
    return source;
  }

  private static boolean looksLikeJson(byte[] content) {
    for (byte b : content) {
      if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
        continue;
      }
      return b == '{';
    }
    return false;
  }
}
