package dev.berth.auth.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CredentialTest {

  @Test
  void toString_redactsSecret() {
    for (Credential c :
        List.of(
            Credential.basic("alice", "s3cr3t-pw"),
            Credential.identityToken("alice", "s3cr3t-refresh"),
            Credential.registryToken("s3cr3t-bearer"))) {
      assertFalse(c.toString().contains("s3cr3t"), c.toString());
      assertTrue(c.toString().contains("<redacted>"), c.toString());
      assertTrue(c.toString().contains(c.kind().name()), c.toString());
    }
    assertEquals(
        "Credential[kind=BASIC, username=alice, secret=<redacted>]",
        Credential.basic("alice", "pw").toString());
  }

  @Test
  void id_isSha256OfKindUsernameSecret() throws Exception {
    Credential c = Credential.basic("alice", "pw");
    byte[] digest =
        MessageDigest.getInstance("SHA-256")
            .digest("BASIC\0alice\0pw".getBytes(StandardCharsets.UTF_8));
    assertEquals("sha256:" + HexFormat.of().formatHex(digest), c.id());
  }

  @Test
  void id_stableAcrossInstances() {
    assertEquals(Credential.basic("alice", "pw").id(), Credential.basic("alice", "pw").id());
  }

  @Test
  void id_differsForEveryField_andNeverContainsTheSecret() {
    List<Credential> distinct =
        List.of(
            Credential.basic("alice", "pw"),
            Credential.basic("alice", "pw2"),
            Credential.basic("bob", "pw"),
            Credential.identityToken("alice", "pw"),
            Credential.registryToken("pw"),
            new Credential("alice", "pw", Credential.Kind.REGISTRY_TOKEN),
            // Field boundaries are part of the hashed text.
            Credential.basic("alic", "epw"),
            Credential.basic("", "alice\0pw"));
    Set<String> ids = distinct.stream().map(Credential::id).collect(Collectors.toSet());
    assertEquals(distinct.size(), ids.size());
    for (Credential c : distinct) {
      assertTrue(c.id().matches("sha256:[0-9a-f]{64}"), c.id());
      assertFalse(c.id().contains("pw"));
    }
  }

  @Test
  void constructor_tokenKindsNeedASecret() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Credential.identityToken("a", ""));
    assertEquals("secret: a IDENTITY_TOKEN credential needs a token", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Credential.registryToken(""));
  }

  @Test
  void constructor_basicMayHaveEmptyParts() {
    // The kubelet passes such entries on unchanged; whether they are useful is the parser's call.
    assertEquals("", Credential.basic("", "").username());
  }

  @Test
  void constructor_nulInUsername_rejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Credential.basic("a\0b", "pw"));
    assertEquals("username: must not contain NUL", e.getMessage());
  }

  @Test
  void equals_isValueEquality() {
    assertEquals(Credential.basic("a", "b"), Credential.basic("a", "b"));
    assertNotEquals(Credential.basic("a", "b"), Credential.identityToken("a", "b"));
  }
}
