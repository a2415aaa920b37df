/**
 * Image names as Kubernetes and the registry API read them: {@link
 * dev.berth.proxy.image.ImageReference} (distribution/reference grammar and Docker Hub
 * normalization), {@link dev.berth.proxy.image.RepositoryName}, {@link
 * dev.berth.proxy.image.Reference} (tag or digest).
 */
@NullMarked
package dev.berth.proxy.image;

import org.jspecify.annotations.NullMarked;
