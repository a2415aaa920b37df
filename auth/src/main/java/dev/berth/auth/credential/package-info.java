/**
 * Registry credentials the kubelet's way: {@link dev.berth.auth.credential.Credential} values, the
 * kubelet keyring ({@link dev.berth.auth.credential.CredentialKeyring}, matching with {@link
 * dev.berth.auth.credential.CredentialGlob} on {@link dev.berth.auth.credential.RegistryPath}),
 * docker {@code config.json} / {@code .dockercfg} / image pull Secret parsing ({@link
 * dev.berth.auth.credential.DockerConfigFile}) and the reloadable node keyring ({@link
 * dev.berth.auth.credential.DockerConfigSource}).
 *
 * <p>Matching reproduces {@code k8s.io/kubernetes/pkg/credentialprovider} exactly, including the Go
 * standard library behaviour it inherits ({@code net/url.Parse}, {@code net.SplitHostPort}, {@code
 * path/filepath.Match}); those ports, and the strict JSON reader the config files need (the module
 * has no JSON library), are in {@code dev.berth.auth.gostd}.
 *
 * <p>No type in this package ever puts a secret into a {@code toString}, an exception message or a
 * warning.
 */
@NullMarked
package dev.berth.auth.credential;

import org.jspecify.annotations.NullMarked;
