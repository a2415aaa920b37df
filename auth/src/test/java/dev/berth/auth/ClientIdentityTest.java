package dev.berth.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.auth.credential.Credential;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientIdentityTest {
  private static String basic(String s) {
    return "Basic " + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void fromAuthorization_basic_givesCredentialSplitAtFirstColon() {
    ClientIdentity c = ClientIdentity.fromAuthorization(basic("alice:pa:ss"));
    assertEquals(Credential.basic("alice", "pa:ss"), c.credential().orElseThrow());
    assertEquals(
        Credential.basic("bob", "x"),
        ClientIdentity.fromAuthorization(" basic " + basic("bob:x").substring(6))
            .credential()
            .orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Bearer abc", "Basic", "Basic !!!", "Basic Og==", "Digest x=y"})
  void fromAuthorization_otherOrMalformed_anonymous(String header) {
    assertTrue(ClientIdentity.fromAuthorization(header).isAnonymous());
  }

  @Test
  void fromAuthorization_absent_anonymous() {
    assertTrue(ClientIdentity.fromAuthorization(null).isAnonymous());
  }

  @Test
  void orNodeIf_onlyAnAnonymousClientFromTheNodeActsAsTheNode() {
    assertTrue(ClientIdentity.ANONYMOUS.orNodeIf(true).isNode());
    assertFalse(ClientIdentity.ANONYMOUS.orNodeIf(true).isAnonymous());
    assertTrue(ClientIdentity.ANONYMOUS.orNodeIf(false).isAnonymous());
    // Credentials are the identity, wherever they come from: wrong ones never become the node's.
    ClientIdentity alice = ClientIdentity.fromAuthorization(basic("alice:pw"));
    assertFalse(alice.orNodeIf(true).isNode());
    assertEquals(alice, alice.orNodeIf(true));
  }

  @Test
  void node_withCredential_rejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ClientIdentity(java.util.Optional.of(Credential.basic("a", "b")), true));
  }
}
