/**
 * The inputs of {@code berth prefetch}, parsed before anything is fetched: the images that
 * Kubernetes manifests use ({@link dev.berth.proxy.prefetch.KubernetesImages}), a plain list of
 * references ({@link dev.berth.proxy.prefetch.ImageListFile}) and the {@code --platform} choice
 * that picks children out of an image index ({@link dev.berth.proxy.prefetch.PlatformFilter}).
 * Nothing here does I/O beyond reading the given file or stream, and nothing validates the
 * reference grammar: that is {@link dev.berth.proxy.image.ImageReference}'s job, done once by the
 * caller for every source alike. Every problem with the input is a {@link
 * dev.berth.proxy.prefetch.PrefetchInputException} whose message says where it is.
 */
@NullMarked
package dev.berth.proxy.prefetch;

import org.jspecify.annotations.NullMarked;
