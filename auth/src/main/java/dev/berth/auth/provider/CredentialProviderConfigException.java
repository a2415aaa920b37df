package dev.berth.auth.provider;

import java.util.List;

/**
 * A credential provider config that cannot be used: unreadable, not YAML/JSON, the wrong {@code
 * kind}/{@code apiVersion}, a field of the wrong type or unknown, a provider that fails the
 * kubelet's validation, or a plugin binary that is missing or not executable.
 *
 * <p>The message reads {@code <file>: <where>: <problem>}, several problems joined with {@code ";
 * "}, e.g. {@code /etc/kubernetes/credential-providers.yaml: providers[1].matchImages[0]: match
 * image is invalid: ...}. It names the file and the key, quotes names and match images, and never
 * quotes an {@code env} value or an {@code args} entry, which may hold a secret.
 */
public final class CredentialProviderConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final List<String> problems;

  CredentialProviderConfigException(String file, List<String> problems) {
    super(file + ": " + String.join("; ", problems));
    this.file = file;
    this.problems = List.copyOf(problems);
  }

  CredentialProviderConfigException(String file, String problem) {
    this(file, List.of(problem));
  }

  /** The file (or directory) that was read. */
  public String file() {
    return file;
  }

  /** Every problem found, each {@code <where>: <problem>} or just {@code <problem>}. */
  public List<String> problems() {
    return problems;
  }
}
