/**
 * Kubelet credential provider plugins as a node credential source: the {@code
 * CredentialProviderConfig} ({@link dev.berth.auth.provider.CredentialProviderConfig}) and the
 * plugins it names, run, cached and merged the kubelet's way ({@link
 * dev.berth.auth.provider.CredentialProviders}).
 *
 * <p>Reproduces {@code k8s.io/kubernetes/pkg/credentialprovider/plugin}; matching and merging reuse
 * the kubelet keyring of {@link dev.berth.auth.credential}. No type in this package puts a secret,
 * a plugin's output, an {@code env} value or an argument into a {@code toString}, an exception
 * message or a listener message.
 */
@NullMarked
package dev.berth.auth.provider;

import org.jspecify.annotations.NullMarked;
