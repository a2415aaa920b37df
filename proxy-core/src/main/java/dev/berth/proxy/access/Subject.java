package dev.berth.proxy.access;

import dev.berth.auth.credential.Credential;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Whom a verdict is about, as stored: {@code public} (anyone, no credentials), {@code node} (the
 * node's credentials, whichever it holds at the time), or one client credential as {@code client:}
 * + HMAC-SHA256(cache key, credential id). The credential id is already a hash; keying it with a
 * random per-cache key means the stored subject cannot be checked against guessed passwords by
 * someone holding only a copy of the verdicts.
 *
 * @param key the stored subject
 * @param kind {@code public}, {@code node} or {@code credential}: a metric label
 */
record Subject(String key, String kind) {
  static final Subject PUBLIC = new Subject("public", "public");
  static final Subject NODE = new Subject("node", "node");

  /** A client's own credential, as opposed to anonymous or the node. */
  boolean isClient() {
    return kind.equals("credential");
  }

  static Subject client(Credential credential, byte[] subjectKey) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(subjectKey, "HmacSHA256"));
      byte[] tag = mac.doFinal(credential.id().getBytes(StandardCharsets.UTF_8));
      return new Subject("client:" + HexFormat.of().formatHex(tag), "credential");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform must provide HmacSHA256", e);
    }
  }
}
