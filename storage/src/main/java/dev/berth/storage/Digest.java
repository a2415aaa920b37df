package dev.berth.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest in its wire form {@code <algorithm>:<lowercase hex>}.
 *
 * <p>Grammar (go-digest {@code Digest.Validate}, docs/protocol.md §1.4): the string must contain
 * {@code :}; the algorithm must be a registered one ({@code sha256} is required, {@code sha512} is
 * accepted); the encoded part must be lowercase hex of exactly twice the hash size. Uppercase hex
 * is rejected even though the reference regex would accept it. Once constructed a {@code Digest} is
 * valid and never re-checked.
 */
public final class Digest implements Comparable<Digest> {

  /** Hash algorithms berth accepts. */
  public enum Algorithm {
    SHA256("sha256", "SHA-256", 32, (byte) 1),
    SHA512("sha512", "SHA-512", 64, (byte) 2);

    private final String wireName;
    private final String jcaName;
    private final int byteLength;
    private final byte tag;

    Algorithm(String wireName, String jcaName, int byteLength, byte tag) {
      this.wireName = wireName;
      this.jcaName = jcaName;
      this.byteLength = byteLength;
      this.tag = tag;
    }

    /** The name used on the wire, e.g. {@code sha256}. */
    public String wireName() {
      return wireName;
    }

    /** Length of the raw hash in bytes. */
    public int byteLength() {
      return byteLength;
    }

    /** A fresh JCA hasher for this algorithm. */
    public MessageDigest newMessageDigest() {
      try {
        return MessageDigest.getInstance(jcaName);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("JDK lacks " + jcaName, e);
      }
    }

    static Algorithm fromTag(byte tag) {
      for (Algorithm a : values()) {
        if (a.tag == tag) {
          return a;
        }
      }
      throw new IllegalArgumentException("unknown digest algorithm tag " + tag);
    }
  }

  private static final HexFormat HEX = HexFormat.of();

  private final Algorithm algorithm;
  private final byte[] hash;
  private final String wire;

  private Digest(Algorithm algorithm, byte[] hash) {
    this.algorithm = algorithm;
    this.hash = hash;
    this.wire = algorithm.wireName + ":" + HEX.formatHex(hash);
  }

  /**
   * Parses and validates a digest string.
   *
   * @throws InvalidDigestException naming the input and what is wrong with it
   */
  public static Digest parse(String value) {
    Objects.requireNonNull(value, "value");
    int colon = value.indexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new InvalidDigestException(value, "expected <algorithm>:<hex>");
    }
    String algorithmName = value.substring(0, colon);
    String encoded = value.substring(colon + 1);
    Algorithm algorithm = null;
    for (Algorithm candidate : Algorithm.values()) {
      if (candidate.wireName.equals(algorithmName)) {
        algorithm = candidate;
      }
    }
    if (algorithm == null) {
      if (!algorithmName.matches("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*")) {
        throw new InvalidDigestException(value, "malformed algorithm '" + algorithmName + "'");
      }
      throw new InvalidDigestException(
          value, "unsupported algorithm '" + algorithmName + "' (sha256 or sha512)");
    }
    if (encoded.length() != algorithm.byteLength * 2) {
      throw new InvalidDigestException(
          value,
          algorithm.wireName
              + " needs "
              + algorithm.byteLength * 2
              + " hex characters, got "
              + encoded.length());
    }
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new InvalidDigestException(value, "hex must be lowercase [0-9a-f]");
      }
    }
    return new Digest(algorithm, HEX.parseHex(encoded));
  }

  /** A digest of the given algorithm over an already computed raw hash. */
  public static Digest of(Algorithm algorithm, byte[] hash) {
    if (hash.length != algorithm.byteLength) {
      throw new IllegalArgumentException(
          "hash length " + hash.length + " does not fit " + algorithm.wireName);
    }
    return new Digest(algorithm, hash.clone());
  }

  /** The SHA-256 digest of {@code bytes}; for small content such as manifests. */
  public static Digest sha256Of(byte[] bytes) {
    return new Digest(Algorithm.SHA256, Algorithm.SHA256.newMessageDigest().digest(bytes));
  }

  /** A streaming verifier that hashes with this digest's algorithm. */
  public DigestVerifier newVerifier() {
    return new DigestVerifier(this);
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  /** Lowercase hex of the hash. */
  public String hex() {
    return wire.substring(algorithm.wireName.length() + 1);
  }

  /**
   * A compact binary form: one algorithm tag byte followed by the raw hash. Used as a storage key
   * prefix; {@link #fromKeyBytes} reverses it.
   */
  public byte[] toKeyBytes() {
    byte[] key = new byte[1 + hash.length];
    key[0] = algorithm.tag;
    System.arraycopy(hash, 0, key, 1, hash.length);
    return key;
  }

  /** Length of {@link #toKeyBytes()} for this digest. */
  public int keyLength() {
    return 1 + hash.length;
  }

  /** Reads a digest written by {@link #toKeyBytes()} at {@code offset} of {@code key}. */
  public static Digest fromKeyBytes(byte[] key, int offset) {
    Algorithm algorithm = Algorithm.fromTag(key[offset]);
    byte[] hash = new byte[algorithm.byteLength];
    System.arraycopy(key, offset + 1, hash, 0, hash.length);
    return new Digest(algorithm, hash);
  }

  boolean matchesHash(byte[] computed) {
    return MessageDigest.isEqual(hash, computed);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest other && wire.equals(other.wire);
  }

  @Override
  public int hashCode() {
    return wire.hashCode();
  }

  @Override
  public int compareTo(Digest o) {
    return wire.compareTo(o.wire);
  }

  /** The wire form, e.g. {@code sha256:e3b0c442…}. */
  @Override
  public String toString() {
    return wire;
  }
}
