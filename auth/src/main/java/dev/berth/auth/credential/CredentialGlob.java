package dev.berth.auth.credential;

import dev.berth.auth.gostd.GoGlob;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A kubelet credential key used as a pattern: {@code URLsMatch(glob, target)} from {@code
 * pkg/credentialprovider/keyring.go}, to the letter. A target matches when all of these hold:
 *
 * <ol>
 *   <li>the ports are equal as strings (no port matches only no port: a key without a port does not
 *       match an image with one, and the other way round);
 *   <li>the hosts have the same number of {@code .}-separated parts, so {@code *.io} never matches
 *       {@code k8s.gcr.io};
 *   <li>the target's path starts with the glob's path, as a plain string prefix: {@code
 *       reg.io/pong} matches {@code reg.io/pongz};
 *   <li>each host part matches Go's {@code filepath.Match(globPart, targetPart)}: {@code *}
 *       (possibly empty, never across a dot since parts are pre-split), {@code ?}, {@code [a-z]},
 *       {@code [^a-z]}, {@code \} escapes; case-sensitive. A malformed pattern matches nothing.
 * </ol>
 *
 * <p>Immutable and thread-safe; the host patterns are pre-encoded once, since every image pull runs
 * them against every key.
 */
public final class CredentialGlob {
  private final RegistryPath glob;
  private final byte[][] partPatterns;

  private CredentialGlob(RegistryPath glob) {
    this.glob = glob;
    List<String> parts = glob.hostParts();
    this.partPatterns = new byte[parts.size()][];
    for (int i = 0; i < parts.size(); i++) {
      partPatterns[i] = parts.get(i).getBytes(StandardCharsets.UTF_8);
    }
  }

  /** The glob for an already parsed key. */
  public static CredentialGlob of(RegistryPath glob) {
    return new CredentialGlob(Objects.requireNonNull(glob, "glob"));
  }

  /**
   * Parses a schemeless key such as {@code *.example.com:5000/team}.
   *
   * @throws IllegalArgumentException as {@link RegistryPath#parse}
   */
  public static CredentialGlob parse(String glob) {
    return new CredentialGlob(RegistryPath.parse(glob));
  }

  /**
   * The kubelet's {@code URLsMatchStr(glob, target)} with its error folded into {@code false}, as
   * its only caller ({@code Lookup}) does: either string failing to parse, or a malformed host
   * pattern, is no match.
   */
  public static boolean urlsMatchStr(String glob, String target) {
    Optional<RegistryPath> g = RegistryPath.tryParse(glob);
    Optional<RegistryPath> t = RegistryPath.tryParse(target);
    return g.isPresent() && t.isPresent() && of(g.get()).matches(t.get());
  }

  /** The parsed pattern. */
  public RegistryPath pattern() {
    return glob;
  }

  /** Whether {@code target} matches this glob; see the class comment for the rules. */
  public boolean matches(RegistryPath target) {
    if (!glob.port().equals(target.port())) {
      return false;
    }
    List<String> targetParts = target.hostParts();
    if (partPatterns.length != targetParts.size()) {
      return false;
    }
    if (!target.path().startsWith(glob.path())) {
      return false;
    }
    try {
      for (int i = 0; i < partPatterns.length; i++) {
        if (!GoGlob.match(partPatterns[i], targetParts.get(i).getBytes(StandardCharsets.UTF_8))) {
          return false;
        }
      }
    } catch (GoGlob.BadPatternException e) {
      return false;
    }
    return true;
  }

  @Override
  public String toString() {
    return glob.toString();
  }
}
