package dev.berth.proxy.upstream;

import dev.berth.auth.credential.Credential;
import java.util.List;
import java.util.Optional;

/**
 * Node credentials that a program must be run for: the kubelet's credential provider plugins. The
 * server adapts {@code dev.berth.auth.credential.plugin.CredentialProviders} to this; tests use a
 * lambda pair.
 */
public interface NodePlugins {
  /**
   * The credentials for {@code image} when no plugin needs to run now (every matching plugin's
   * answer is cached, or none matches); empty when one must. Non-blocking: safe on an event loop.
   *
   * @param image {@code <registry host>/<repository>}, e.g. {@code
   *     123.dkr.ecr.eu-west-1.amazonaws.com/app}
   */
  Optional<List<Credential>> cached(String image);

  /**
   * Runs the plugins that must run and returns the credentials for {@code image}, possibly none (a
   * failing plugin gives none). Blocking, for up to the plugins' timeout: call it from a worker.
   */
  List<Credential> provide(String image);

  /** No plugins configured. */
  NodePlugins NONE =
      new NodePlugins() {
        @Override
        public Optional<List<Credential>> cached(String image) {
          return Optional.of(List.of());
        }

        @Override
        public List<Credential> provide(String image) {
          return List.of();
        }
      };
}
