package dev.berth.proxy.e2e;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;

/**
 * An ECDSA P-256 key pair with a self-signed X.509 certificate, built with the JDK alone, for
 * signing registry tokens (ES256).
 *
 * <p>Why: distribution's token mode trusts a token's signing key only through a certificate in its
 * {@code rootcertbundle}. The JDK signs but has no public API to build a certificate, and shelling
 * out to {@code openssl} would add a tool to the e2e machines, so the certificate's DER is written
 * here: a v3 certificate with a random positive serial, {@code CN=<name>} as issuer and subject,
 * valid from an hour ago for a day, with critical {@code basicConstraints CA:TRUE} and {@code
 * keyUsage digitalSignature, keyCertSign}, signed {@code ecdsa-with-SHA256}. The result is parsed
 * back and verified with the JDK's own {@link CertificateFactory} before it is used.
 */
final class SigningKey {
  private static final byte[] OID_ECDSA_WITH_SHA256 = {
    0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02 // 1.2.840.10045.4.3.2
  };
  private static final byte[] OID_COMMON_NAME = {0x55, 0x04, 0x03}; // 2.5.4.3
  private static final byte[] OID_BASIC_CONSTRAINTS = {0x55, 0x1d, 0x13}; // 2.5.29.19
  private static final byte[] OID_KEY_USAGE = {0x55, 0x1d, 0x0f}; // 2.5.29.15
  private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

  private final KeyPair keyPair;
  private final X509Certificate certificate;

  private SigningKey(KeyPair keyPair, X509Certificate certificate) {
    this.keyPair = keyPair;
    this.certificate = certificate;
  }

  /** Generates a fresh key pair and its self-signed certificate {@code CN=<commonName>}. */
  static SigningKey generate(String commonName) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keyPair = generator.generateKeyPair();
      byte[] der = selfSignedCertificate(keyPair, commonName);
      X509Certificate certificate =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(der));
      certificate.verify(keyPair.getPublic());
      certificate.checkValidity();
      return new SigningKey(keyPair, certificate);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a signing certificate", e);
    }
  }

  /** The JWS algorithm name of this key: {@code ES256}. */
  String jwsAlgorithm() {
    return "ES256";
  }

  /**
   * Signs {@code data} as JWS ES256 wants it: the raw {@code r || s} pair, 64 bytes (not the DER
   * signature X.509 uses).
   */
  byte[] signJws(byte[] data) {
    try {
      Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
      signature.initSign(keyPair.getPrivate());
      signature.update(data);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The certificate's DER, base64 (not URL-safe), as a JWS {@code x5c} entry. */
  String certificateBase64() {
    return Base64.getEncoder().encodeToString(certificateDer());
  }

  byte[] certificateDer() {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  X509Certificate certificate() {
    return certificate;
  }

  /** The certificate as a PEM block, the content of a {@code rootcertbundle}. */
  String certificatePem() {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(certificateDer())
        + "\n-----END CERTIFICATE-----\n";
  }

  /**
   * The key's libtrust key ID, which distribution 2.8 matches against a token's {@code kid} header:
   * SHA-256 of the DER {@code SubjectPublicKeyInfo}, first 30 bytes, base32 without padding, in 12
   * groups of 4 joined by {@code ':'}.
   */
  String libtrustKeyId() {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(keyPair.getPublic().getEncoded());
      String base32 = base32(Arrays.copyOf(hash, 30));
      StringBuilder id = new StringBuilder();
      for (int i = 0; i < base32.length(); i += 4) {
        if (i > 0) {
          id.append(':');
        }
        id.append(base32, i, i + 4);
      }
      return id.toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String base32(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(BASE32[(buffer >>> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(BASE32[(buffer << (5 - bits)) & 31]);
    }
    return out.toString();
  }

  private static byte[] selfSignedCertificate(KeyPair keyPair, String commonName)
      throws GeneralSecurityException {
    byte[] algorithm = sequence(tlv(0x06, OID_ECDSA_WITH_SHA256));
    byte[] name =
        sequence(
            tlv(
                0x31, // SET
                sequence(
                    tlv(0x06, OID_COMMON_NAME),
                    tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
    Instant now = Instant.now();
    byte[] validity =
        sequence(utcTime(now.minus(Duration.ofHours(1))), utcTime(now.plus(Duration.ofDays(1))));
    byte[] serial = new byte[8];
    new SecureRandom().nextBytes(serial);
    // Positive with a non-zero first octet: DER integers must be minimal, and openssl and Go
    // reject a redundant leading 0x00 (the JDK's parser does not).
    serial[0] = (byte) ((serial[0] & 0x7f) | 0x40);
    byte[] extensions =
        tlv(
            0xa3, // [3] EXPLICIT
            sequence(
                sequence(
                    tlv(0x06, OID_BASIC_CONSTRAINTS),
                    tlv(0x01, new byte[] {(byte) 0xff}),
                    tlv(0x04, sequence(tlv(0x01, new byte[] {(byte) 0xff})))),
                sequence(
                    tlv(0x06, OID_KEY_USAGE),
                    tlv(0x01, new byte[] {(byte) 0xff}),
                    // BIT STRING, 2 unused bits: digitalSignature (bit 0) and keyCertSign (bit 5)
                    tlv(0x04, tlv(0x03, new byte[] {0x02, (byte) 0x84})))));
    byte[] tbs =
        sequence(
            tlv(0xa0, tlv(0x02, new byte[] {0x02})), // [0] EXPLICIT version v3
            tlv(0x02, serial),
            algorithm,
            name,
            validity,
            name,
            keyPair.getPublic().getEncoded(), // SubjectPublicKeyInfo
            extensions);
    Signature signer = Signature.getInstance("SHA256withECDSA"); // DER (r, s)
    signer.initSign(keyPair.getPrivate());
    signer.update(tbs);
    byte[] signature = signer.sign();
    byte[] bitString = new byte[signature.length + 1]; // leading 0: no unused bits
    System.arraycopy(signature, 0, bitString, 1, signature.length);
    return sequence(tbs, algorithm, tlv(0x03, bitString));
  }

  private static byte[] utcTime(Instant instant) {
    String text =
        DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(instant);
    return tlv(0x17, text.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      content.writeBytes(part);
    }
    return tlv(0x30, content.toByteArray());
  }

  /** One DER element: tag, definite length (short or long form), content. */
  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      byte[] lengthBytes = BigInteger.valueOf(length).toByteArray();
      int skip = lengthBytes[0] == 0 ? 1 : 0;
      out.write(0x80 | (lengthBytes.length - skip));
      out.write(lengthBytes, skip, lengthBytes.length - skip);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
