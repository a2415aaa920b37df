package dev.berth.proxy.image;

import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import java.util.Objects;

/**
 * What a manifest request names: a {@link Tag} (mutable, resolved through the pull policy) or a
 * {@link DigestReference} (immutable content). Routes ask {@code ref instanceof DigestReference}.
 */
public sealed interface Reference permits Reference.Tag, Reference.DigestReference {

  /**
   * Parses the {@code <reference>} of {@code /v2/<name>/manifests/<reference>}: a digest when it
   * contains {@code :}, else a tag.
   *
   * @throws InvalidReferenceException with kind {@code TAG_INVALID} or {@code DIGEST_INVALID}
   */
  static Reference parse(String value) {
    if (value.indexOf(':') >= 0) {
      try {
        return new DigestReference(Digest.parse(value));
      } catch (InvalidDigestException e) {
        throw new InvalidReferenceException(
            InvalidReferenceException.Kind.DIGEST_INVALID,
            value,
            java.util.Objects.requireNonNullElse(e.getMessage(), e.toString()),
            e);
      }
    }
    return Tag.parse(value);
  }

  /** A tag: {@code [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}}. */
  record Tag(String value) implements Reference {
    public Tag {
      Objects.requireNonNull(value, "value");
    }

    public static Tag parse(String value) {
      if (!ReferenceGrammar.TAG_ONLY.matcher(value).matches()) {
        throw new InvalidReferenceException(
            InvalidReferenceException.Kind.TAG_INVALID,
            value,
            "a tag is 1 to 128 characters of [A-Za-z0-9_.-] and cannot start with '.' or '-'");
      }
      return new Tag(value);
    }

    public static final Tag LATEST = new Tag("latest");

    @Override
    public String toString() {
      return value;
    }
  }

  /** Content addressed by digest. */
  record DigestReference(Digest digest) implements Reference {
    public DigestReference {
      Objects.requireNonNull(digest, "digest");
    }

    @Override
    public String toString() {
      return digest.toString();
    }
  }
}
