package dev.berth.proxy.api;

import dev.berth.proxy.image.MediaTypes;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The media types a client accepts for manifests, read the way the reference registry reads them:
 * every {@code Accept} header split on {@code ,}, parameters (and q-values) ignored; a type is
 * accepted or not. No {@code Accept} at all, or a wildcard, accepts everything: berth never
 * converts manifests, so it serves what it has or answers 404.
 */
public final class AcceptHeader {
  private final Set<String> types;
  private final boolean any;

  private AcceptHeader(Set<String> types, boolean any) {
    this.types = types;
    this.any = any;
  }

  /** Parses all {@code Accept} header values of a request. */
  public static AcceptHeader parse(List<String> headerValues) {
    Set<String> types = new HashSet<>();
    boolean any = headerValues.isEmpty();
    for (String header : headerValues) {
      for (String item : header.split(",", -1)) {
        String type = MediaTypes.normalize(item);
        if (type.isEmpty()) {
          continue;
        }
        if (type.equals("*/*") || type.equals("application/*")) {
          any = true;
        }
        types.add(type);
      }
    }
    if (types.isEmpty()) {
      any = true;
    }
    return new AcceptHeader(Set.copyOf(types), any);
  }

  /** Whether a manifest of {@code mediaType} may be served to this client. */
  public boolean accepts(String mediaType) {
    return any || types.contains(MediaTypes.normalize(mediaType));
  }
}
