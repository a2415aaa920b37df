package dev.berth.auth.credential;

import dev.berth.auth.gostd.GoUrl;
import dev.berth.auth.gostd.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The kubelet's {@code BasicDockerKeyring}: credentials by config key, looked up by image name.
 *
 * <p><b>Keys</b> ({@code Add}). A config key without {@code http://} or {@code https://} gets
 * {@code https://} in front and is parsed as a URL; a key that does not parse is skipped and
 * reported in {@link Builder#warnings()}. A path starting with {@code /v1/} or {@code /v2/} loses
 * its first three characters ({@code /v1/} becomes {@code /}). The stored key is the host (port
 * kept, scheme dropped) when the path is then empty or {@code /}, else host + path: {@code
 * https://index.docker.io/v1/} → {@code index.docker.io}, {@code *.docker.io/v2/} → {@code
 * *.docker.io}, {@code registry.io:8080/path} stays. Credentials under one stored key keep the
 * order they were added in.
 *
 * <p><b>Order.</b> The keys are de-duplicated and sorted in reverse byte order (UTF-8, as Go's
 * {@code sort.Strings}): a key sorts before its own prefixes ({@code bar.example.com/pong} before
 * {@code bar.example.com}) and a literal label before a {@code *} ({@code registry.example.com}
 * before {@code *.example.com}), which is how "most specific first" falls out.
 *
 * <p><b>Lookup.</b> {@link #lookup} walks the keys in that order and collects the credentials of
 * every key whose {@link CredentialGlob} matches the image. Only when none matched, an image that
 * {@link #isDefaultRegistryMatch} (a Docker Hub name) gets the credentials stored under exactly
 * {@code index.docker.io}. Callers try the result in order and fall back to anonymous last; the
 * kubelet does not fall back to anonymous once a credential matched, but a proxy that serves public
 * images may.
 *
 * <p>Immutable and thread-safe.
 */
public final class CredentialKeyring {
  /** What {@code https://index.docker.io/v1/} becomes: the key of the Docker Hub fallback. */
  static final String DEFAULT_REGISTRY_KEY = "index.docker.io";

  private static final CredentialKeyring EMPTY = new CredentialKeyring(List.of(), Map.of());

  /** Reverse byte order of UTF-8, which for Java strings is reverse code point order. */
  private static final Comparator<String> REVERSE_BYTE_ORDER = CredentialKeyring::compareCodePoints;

  private final List<Slot> index;
  private final Map<String, List<Credential>> byKey;

  /**
   * One stored key. Its glob is the key re-parsed as a schemeless URL at lookup time in the
   * kubelet; here once at build time. A key that does not re-parse (it can happen: {@code
   * https://reg.io/a%25zz} stores {@code reg.io/a%zz}) matches nothing, but still serves the Docker
   * Hub fallback if it is {@code index.docker.io}.
   */
  private record Slot(String key, Optional<CredentialGlob> glob, List<Credential> credentials) {}

  private CredentialKeyring(List<Slot> index, Map<String, List<Credential>> byKey) {
    this.index = index;
    this.byKey = byKey;
  }

  /** A keyring with no keys. */
  public static CredentialKeyring empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The credentials for {@code image}, most specific key first, possibly empty.
   *
   * @param image a normalized repository name without tag or digest, as the kubelet passes it
   *     ({@code named.Name()}): {@code docker.io/library/nginx}, {@code registry.k8s.io/pause},
   *     {@code my-registry.io:5000/images/app}. An image that does not parse matches no key, but
   *     can still get the Docker Hub fallback, exactly as in the kubelet.
   */
  public List<Credential> lookup(String image) {
    Objects.requireNonNull(image, "image");
    if (index.isEmpty()) {
      return List.of(); // no keys, no Docker Hub fallback: skip parsing the image (a hot path)
    }
    List<Credential> found = new ArrayList<>();
    Optional<RegistryPath> target = RegistryPath.tryParse(image);
    if (target.isPresent()) {
      for (Slot slot : index) {
        if (slot.glob().isPresent() && slot.glob().get().matches(target.get())) {
          found.addAll(slot.credentials());
        }
      }
    }
    if (!found.isEmpty()) {
      return Collections.unmodifiableList(found);
    }
    if (isDefaultRegistryMatch(image)) {
      return byKey.getOrDefault(DEFAULT_REGISTRY_KEY, List.of());
    }
    return List.of();
  }

  /** The stored keys in lookup order (reverse byte order, no duplicates). */
  public List<String> keys() {
    return index.stream().map(Slot::key).toList();
  }

  /** The credentials stored under exactly {@code key} (a normalized key), in insertion order. */
  public List<Credential> credentialsFor(String key) {
    return byKey.getOrDefault(key, List.of());
  }

  public boolean isEmpty() {
    return index.isEmpty();
  }

  /**
   * The kubelet's {@code isDefaultRegistryMatch}: whether {@code image} names a Docker Hub
   * repository. True when the first {@code /}-component is non-empty and either there is no {@code
   * /} at all, the first component is {@code docker.io} or {@code index.docker.io}, or it holds
   * neither {@code .} nor {@code :} (so it is a Hub namespace, not a registry host).
   */
  public static boolean isDefaultRegistryMatch(String image) {
    int slash = image.indexOf('/');
    String first = slash < 0 ? image : image.substring(0, slash);
    if (first.isEmpty()) {
      return false;
    }
    if (slash < 0) {
      return true;
    }
    if (first.equals("docker.io") || first.equals("index.docker.io")) {
      return true;
    }
    return first.indexOf('.') < 0 && first.indexOf(':') < 0;
  }

  /**
   * The stored form of a config key (see the class comment).
   *
   * @throws GoUrl.ParseException when the key is not a URL the kubelet accepts
   */
  static String normalizeKey(String configKey) throws GoUrl.ParseException {
    String value = configKey;
    if (!value.startsWith("https://") && !value.startsWith("http://")) {
      value = "https://" + value;
    }
    GoUrl parsed = GoUrl.parse(value);
    String effectivePath = parsed.path;
    // docker treats /v1/ and /v2/ as the registry root; cutting 3 characters keeps the '/'.
    if (effectivePath.startsWith("/v2/") || effectivePath.startsWith("/v1/")) {
      effectivePath = effectivePath.substring(3);
    }
    if (!effectivePath.isEmpty() && !effectivePath.equals("/")) {
      return parsed.host + effectivePath;
    }
    return parsed.host;
  }

  /**
   * Why {@code configKey} would be skipped, for reporting while a file is read; empty when the key
   * is usable. The message names the key (userinfo redacted), never a credential.
   */
  static Optional<String> keyProblem(String configKey) {
    try {
      normalizeKey(configKey);
      return Optional.empty();
    } catch (GoUrl.ParseException e) {
      return Optional.of(
          "config key "
              + Json.quote(RegistryPath.redactUserinfo(configKey))
              + " is not a valid URL ("
              + e.getMessage()
              + "); its credentials are ignored");
    }
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(cb, ca);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    // The longer string, which has the other as a prefix, sorts first in reverse order.
    return Integer.compare(b.length() - j, a.length() - i);
  }

  /** Collects keys and credentials; not thread-safe. */
  public static final class Builder {
    private final Map<String, List<Credential>> byKey = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    private Builder() {}

    /**
     * Adds {@code credential} under the normalized form of {@code configKey}. A key the kubelet
     * would skip is skipped here too, with a warning in {@link #warnings()}.
     *
     * @param configKey a key as written in a config file, e.g. {@code https://index.docker.io/v1/}
     */
    public Builder add(String configKey, Credential credential) {
      Objects.requireNonNull(configKey, "configKey");
      Objects.requireNonNull(credential, "credential");
      try {
        byKey.computeIfAbsent(normalizeKey(configKey), k -> new ArrayList<>()).add(credential);
      } catch (GoUrl.ParseException e) {
        warnings.add(keyProblem(configKey).orElseThrow());
      }
      return this;
    }

    /** Adds every entry of {@code file}, in file order. */
    public Builder addAll(DockerConfigFile file) {
      for (DockerConfigFile.Entry entry : file.entries()) {
        for (Credential credential : entry.credentials()) {
          add(entry.key(), credential);
        }
      }
      return this;
    }

    /** Why keys were skipped so far, one message per skipped credential. */
    public List<String> warnings() {
      return List.copyOf(warnings);
    }

    public CredentialKeyring build() {
      if (byKey.isEmpty()) {
        return EMPTY;
      }
      List<String> keys = new ArrayList<>(byKey.keySet());
      keys.sort(REVERSE_BYTE_ORDER);
      List<Slot> index = new ArrayList<>(keys.size());
      Map<String, List<Credential>> frozen = new LinkedHashMap<>();
      for (String key : keys) {
        List<Credential> credentials = List.copyOf(byKey.get(key));
        frozen.put(key, credentials);
        Optional<CredentialGlob> glob = RegistryPath.tryParse(key).map(CredentialGlob::of);
        index.add(new Slot(key, glob, credentials));
      }
      return new CredentialKeyring(List.copyOf(index), Collections.unmodifiableMap(frozen));
    }
  }
}
