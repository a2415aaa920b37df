package dev.berth.auth.provider;

import dev.berth.auth.SuppressForbidden;
import dev.berth.auth.credential.Credential;
import dev.berth.auth.credential.CredentialGlob;
import dev.berth.auth.credential.CredentialKeyring;
import dev.berth.auth.credential.RegistryPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Kubelet credential provider plugins as a node credential source: the exec plugins that EKS, GKE
 * and AKS nodes use for their registries ({@code ecr-credential-provider}, {@code
 * auth-provider-gcp}, {@code acr-credential-provider}), run the way the kubelet runs them.
 *
 * <p><b>Sources read</b> (kubernetes/kubernetes): {@code pkg/credentialprovider/plugin/plugin.go}
 * ({@code RegisterCredentialProviderPlugins}, {@code pluginProvider.provide}, {@code
 * getCachedCredentials}, {@code isImageAllowed}, {@code execPlugin.ExecPlugin}, {@code
 * parseRegistry}, {@code mergeEnvVars}), {@code pkg/credentialprovider/plugin/plugins.go} ({@code
 * externalCredentialProviderKeyring.Lookup}), {@code pkg/credentialprovider/plugin/config.go} (see
 * {@link CredentialProviderConfig}), {@code
 * staging/src/k8s.io/kubelet/pkg/apis/credentialprovider/v1/types.go} (request and response), and
 * for the merge with other sources {@code pkg/credentialprovider/secrets/secrets.go} ({@code
 * MakeDockerKeyring}) and {@code UnionDockerKeyring} in {@code pkg/credentialprovider/keyring.go}.
 *
 * <p><b>When a plugin runs.</b> Only when one of its {@code matchImages} matches the image under
 * the keyring rules ({@link CredentialGlob#urlsMatchStr}, the kubelet's {@code URLsMatchStr}), and
 * no live cached answer exists. It gets {@code
 * {"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"<image>"}}
 * on stdin, the configured {@code args}, and berth's environment with the configured {@code env}
 * appended (a configured name overrides); see {@link PluginProcess} for the process handling.
 *
 * <p><b>Single flight.</b> Concurrent calls for the same provider and the same image share one run,
 * as the kubelet's {@code singleflight.Group} keyed by the image. Like the kubelet, two different
 * images of one registry requested at the same moment run the plugin twice even if the answer turns
 * out to be {@code Registry}-wide: the cache key type is known only from the response.
 *
 * <p><b>Caching</b> (per provider, {@code pluginProvider.provide}). The response's {@code
 * cacheKeyType} picks the key: {@code Image} the image as requested, {@code Registry} the image up
 * to its first {@code /} ({@code parseRegistry}: the host with its port), {@code Global} one entry.
 * A lookup tries the image key, then the registry key, then the global one. {@code cacheDuration}
 * {@code 0} means not cached; absent means the provider's {@code defaultCacheDuration}, where
 * {@code 0} again means not cached. An entry serves until the injected clock passes its expiry (at
 * the expiry instant it still serves, as {@code now.After(expiresAt)} in the kubelet). Expired
 * entries are swept every 15 minutes ({@code cachePurgeInterval}). The kubelet keeps the three key
 * kinds in one string space (an image named {@code global} would collide); here they are typed.
 *
 * <p><b>Result.</b> The {@code auth} maps of every matching provider, in config order, go into one
 * {@link CredentialKeyring}, which is then looked up with the image: exactly {@code
 * externalCredentialProviderKeyring.Lookup}. So the order is the keyring's (most specific key
 * first, across providers), and providers only break ties under the same key ("the value from the
 * provider earlier in this list is attempted first", {@code CredentialProviderConfig} docs). In the
 * kubelet the plugin keyring is the last of {@code [pod pull secrets] → [node config.json keyring]
 * → [plugins]}: {@code MakeDockerKeyring(pullSecrets, UnionDockerKeyring{nodeKeyring,
 * pluginKeyring})}, and a union concatenates its members' lookups in that order. berth's caller
 * should append these credentials after the node keyring's.
 *
 * <p><b>Failures.</b> A plugin that cannot be started, exits non-zero, outlives the timeout, or
 * answers with something unusable (not JSON, another {@code apiVersion} or {@code kind}, an unknown
 * field, an unknown {@code cacheKeyType}, stdout over 1 MiB) contributes no new credentials to that
 * call, and the {@link Listener} hears {@link Listener#onFailure} with a {@link FailureReason}. Its
 * last successful answer for the same image, if younger than {@link #LAST_GOOD_LIMIT}, stands in
 * (the kubelet has no such fallback; berth needs one so that a plugin backend down in the same
 * outage as the registry does not strip the node of the identity its kept access verdicts are
 * about); without one the call gets no credentials. No message holds the plugin's stdout or stderr
 * (only sizes and exit status), so no password or token can leak. Failures are not cached, but a
 * failed run starts a back-off ({@link #DEFAULT_FAILURE_BACKOFF}) for that provider and image,
 * during which the provider answers with that last good answer, or no credentials, without running:
 * otherwise a broken plugin would be exec'd, and reported, on every request. The kubelet has no
 * back-off; pods retry pulls with their own back-off instead.
 *
 * <p><b>Threads.</b> {@link #provide} blocks (it may run plugins, up to the timeout each) and is
 * meant for a worker thread; {@link #cached} never blocks, never runs anything, and answers
 * whenever no plugin would have to run, so an event loop can try it first and hand off to a worker
 * only on {@link Optional#empty()}. Both are thread-safe. Listener calls happen on the thread that
 * ran the plugin and must be quick.
 */
public final class CredentialProviders {
  /** The kubelet's catch-all exec timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(1);

  /** How long a provider is not run again for an image after a failed run. */
  public static final Duration DEFAULT_FAILURE_BACKOFF = Duration.ofSeconds(10);

  /** How long a plugin's last successful answer for an image stands in for failed runs. */
  static final Duration LAST_GOOD_LIMIT = Duration.ofHours(24);

  private static final CredentialProviders NONE = withoutProviders();

  /** Why a plugin run gave nothing; {@link #label()} suits a Prometheus label. */
  public enum FailureReason {
    /** The process could not be started. */
    START("start"),
    /** It exited with a non-zero status. */
    EXIT("exit"),
    /** It did not finish within the timeout and was killed. */
    TIMEOUT("timeout"),
    /** Its stdout is not a usable {@code CredentialProviderResponse}. */
    INVALID_RESPONSE("invalid-response");

    private final String label;

    FailureReason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** What happened to plugin runs; no message ever holds a credential or plugin output. */
  public interface Listener {
    /**
     * A run gave no credentials.
     *
     * @param provider the provider's name
     * @param message names the binary or the problem, e.g. {@code exited with status 1 (stderr: 52
     *     bytes, not shown)}
     */
    void onFailure(String provider, FailureReason reason, String message);

    /** A run succeeded after {@code took} (for a duration histogram). */
    default void onSuccess(String provider, Duration took) {}

    /**
     * Something usable but odd: an {@code auth} key the keyring cannot parse, or a provider that
     * never runs for berth.
     */
    default void onWarning(String provider, String message) {}

    /** A listener that ignores everything. */
    static Listener none() {
      return (provider, reason, message) -> {};
    }
  }

  private final List<ProviderPlugin> plugins;
  private final Clock clock;

  private CredentialProviders(List<ProviderPlugin> plugins, Clock clock) {
    this.plugins = List.copyOf(plugins);
    this.clock = clock;
  }

  /** No providers: {@link #cached} and {@link #provide} always give an empty list. */
  public static CredentialProviders none() {
    return NONE;
  }

  /**
   * Reads {@code configFile} and checks every plugin binary, with the kubelet's timeout and the
   * default back-off.
   *
   * @param configFile the {@code CredentialProviderConfig} (YAML or JSON), or a directory of them
   * @param binDir where plugin binaries live ({@code --image-credential-provider-bin-dir})
   * @param clock for cache expiry and back-off
   * @throws CredentialProviderConfigException the config is invalid, the bin directory is missing,
   *     or a binary is missing or not executable
   */
  public static CredentialProviders load(
      Path configFile, Path binDir, Clock clock, Listener listener)
      throws CredentialProviderConfigException {
    return load(configFile, binDir, clock, listener, DEFAULT_TIMEOUT, DEFAULT_FAILURE_BACKOFF);
  }

  /** {@link #load(Path, Path, Clock, Listener)} with a chosen timeout and back-off (zero: none). */
  public static CredentialProviders load(
      Path configFile,
      Path binDir,
      Clock clock,
      Listener listener,
      Duration timeout,
      Duration failureBackoff)
      throws CredentialProviderConfigException {
    return create(
        CredentialProviderConfig.read(configFile),
        binDir,
        clock,
        listener,
        timeout,
        failureBackoff);
  }

  /**
   * Builds from an already read config, checking the bin directory and every binary as {@code
   * RegisterCredentialProviderPlugins} does.
   */
  public static CredentialProviders create(
      CredentialProviderConfig config,
      Path binDir,
      Clock clock,
      Listener listener,
      Duration timeout,
      Duration failureBackoff)
      throws CredentialProviderConfigException {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(binDir, "binDir");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(listener, "listener");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (failureBackoff.isNegative()) {
      throw new IllegalArgumentException("failureBackoff must not be negative");
    }
    if (!Files.isDirectory(binDir)) {
      throw new CredentialProviderConfigException(
          config.source(), "plugin binary directory " + binDir + " does not exist");
    }
    List<ProviderPlugin> plugins = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<CredentialProviderConfig.Provider> providers = config.providers();
    for (int i = 0; i < providers.size(); i++) {
      CredentialProviderConfig.Provider provider = providers.get(i);
      Path binary = binDir.resolve(provider.name());
      String at = "providers[" + i + "].name: plugin binary " + binary;
      if (!Files.exists(binary)) {
        problems.add(at + " does not exist");
      } else if (!Files.isRegularFile(binary)) {
        problems.add(at + " is not a regular file");
      } else if (!Files.isExecutable(binary)) {
        problems.add(at + " is not executable");
      } else {
        plugins.add(new ProviderPlugin(provider, binary, clock, listener, timeout, failureBackoff));
      }
    }
    if (!problems.isEmpty()) {
      throw new CredentialProviderConfigException(config.source(), problems);
    }
    for (ProviderPlugin plugin : plugins) {
      if (!plugin.provider.runsWithoutServiceAccount()) {
        listener.onWarning(
            plugin.provider.name(),
            "tokenAttributes.requireServiceAccount is true: berth pulls for no pod, so this plugin"
                + " never runs");
      }
    }
    return new CredentialProviders(plugins, clock);
  }

  /** Whether no provider is configured. */
  public boolean isEmpty() {
    return plugins.isEmpty();
  }

  /** The configured provider names, in config order. */
  public List<String> providerNames() {
    return plugins.stream().map(p -> p.provider.name()).toList();
  }

  /**
   * The credentials for {@code image} without running anything: present when every matching
   * provider has a live cached answer (or is backing off after a failure), or none matches (an
   * empty list); empty when some plugin would have to run. Never blocks.
   *
   * @param image {@code <registry host>/<repository>}, e.g. {@code docker.io/library/nginx}
   */
  public Optional<List<Credential>> cached(String image) {
    Objects.requireNonNull(image, "image");
    if (plugins.isEmpty()) {
      return Optional.of(List.of());
    }
    Optional<RegistryPath> target = RegistryPath.tryParse(image);
    Instant now = clock.instant();
    List<Map<String, Credential>> answers = new ArrayList<>();
    for (ProviderPlugin plugin : plugins) {
      if (plugin.matches(target)) {
        Optional<Map<String, Credential>> answer = plugin.cachedAnswer(image, now);
        if (answer.isEmpty()) {
          return Optional.empty();
        }
        answers.add(answer.get());
      }
    }
    return Optional.of(merge(image, answers));
  }

  /**
   * The credentials for {@code image}, running the plugins that have no cached answer (one run per
   * provider and image at a time, whoever asks). Blocks up to the timeout per plugin: call it off
   * the event loop. A failed plugin contributes its last good answer or nothing; see the class
   * comment.
   *
   * @param image {@code <registry host>/<repository>}, e.g. {@code
   *     123.dkr.ecr.us-east-1.amazonaws.com/team/app}
   */
  public List<Credential> provide(String image) {
    Objects.requireNonNull(image, "image");
    if (plugins.isEmpty()) {
      return List.of();
    }
    Optional<RegistryPath> target = RegistryPath.tryParse(image);
    List<Map<String, Credential>> answers = new ArrayList<>();
    for (ProviderPlugin plugin : plugins) {
      if (plugin.matches(target)) {
        answers.add(plugin.provide(image));
      }
    }
    return merge(image, answers);
  }

  private static List<Credential> merge(String image, List<Map<String, Credential>> answers) {
    if (answers.isEmpty()) {
      return List.of();
    }
    CredentialKeyring.Builder builder = CredentialKeyring.builder();
    for (Map<String, Credential> answer : answers) {
      answer.forEach(builder::add);
    }
    return builder.build().lookup(image);
  }

  @SuppressForbidden(reason = "no providers: nothing ever reads this clock")
  private static CredentialProviders withoutProviders() {
    return new CredentialProviders(List.of(), Clock.systemUTC());
  }
}
