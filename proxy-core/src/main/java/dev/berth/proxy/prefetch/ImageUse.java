package dev.berth.proxy.prefetch;

import java.util.Objects;

/**
 * One image named by the input, with where it was first seen, so that a later error about the
 * reference (bad grammar, not found upstream) can point back at the manifest that asked for it.
 *
 * @param image the image reference as written, whitespace trimmed, not yet validated
 * @param source where it came from, e.g. {@code manifests.yaml doc 3: Pod/x initContainer init}
 */
public record ImageUse(String image, String source) {
  public ImageUse {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(source, "source");
  }
}
