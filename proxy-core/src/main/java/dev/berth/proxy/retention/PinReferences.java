package dev.berth.proxy.retention;

import dev.berth.proxy.image.ImageReference;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamRouter;
import dev.berth.storage.Pin;

/**
 * Image references as operators write them ({@code nginx:1.27}, {@code ghcr.io/org/app@sha256:…})
 * to pins on a configured upstream, read as Kubernetes reads image names: no registry means Docker
 * Hub, no tag means {@code latest}.
 */
public final class PinReferences {
  private PinReferences() {}

  /**
   * @throws dev.berth.proxy.image.InvalidReferenceException when the reference is malformed
   * @throws dev.berth.proxy.upstream.UnknownUpstreamException when its registry is not configured
   */
  public static Pin toPin(String reference, UpstreamRouter router) {
    ImageReference image = ImageReference.parseNormalized(reference.trim());
    RoutedRepository repo = router.route(image.domain(), image.path());
    String ref =
        image.digest() != null
            ? image.digest().toString()
            : image.tag() != null ? image.tag() : "latest";
    return new Pin(repo.upstream().name(), repo.repository().value(), ref);
  }
}
