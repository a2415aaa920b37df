package dev.berth.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.proxy.config.HostPort;
import dev.berth.storage.Digest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Rendezvous ownership as the replicas compute it, each from its own point of view. */
class PeerRingTest {
  private static final byte[] TOKEN = "0123456789abcdef-tier".getBytes(StandardCharsets.UTF_8);

  private static PeerRing ring(int selfPort, int... ports) {
    List<HostPort> peers =
        java.util.Arrays.stream(ports).mapToObj(p -> new HostPort("127.0.0.1", p)).toList();
    PeerRing ring = new PeerRing(peers, selfPort, TOKEN);
    ring.refresh();
    return ring;
  }

  private static Digest digest(int i) {
    return Digest.sha256Of(("blob " + i).getBytes(StandardCharsets.UTF_8));
  }

  /** The owner as seen from {@code view}: itself when it owns the blob. */
  private static URI ownerSeenBy(PeerRing view, int viewPort, Digest d) {
    return view.owner(d).orElse(URI.create("http://127.0.0.1:" + viewPort));
  }

  @Test
  void everyReplicaNamesTheSameOwner_andNeverItselfAsARemote() {
    PeerRing a = ring(5001, 5001, 5002, 5003);
    PeerRing b = ring(5002, 5001, 5002, 5003);
    PeerRing c = ring(5003, 5003, 5001, 5002); // listed in another order
    for (int i = 0; i < 200; i++) {
      Digest d = digest(i);
      URI owner = ownerSeenBy(a, 5001, d);
      assertEquals(owner, ownerSeenBy(b, 5002, d), "replicas disagree on " + d);
      assertEquals(owner, ownerSeenBy(c, 5003, d), "replicas disagree on " + d);
      assertFalse(a.owner(d).map(u -> u.getPort() == 5001).orElse(false));
    }
  }

  @Test
  void ownershipIsSpreadEvenly_andALeavingReplicaMovesOnlyItsOwnBlobs() {
    PeerRing three = ring(9, 5001, 5002, 5003);
    PeerRing two = ring(9, 5001, 5002);
    Map<URI, Integer> owned = new HashMap<>();
    int moved = 0;
    int n = 3000;
    for (int i = 0; i < n; i++) {
      Digest d = digest(i);
      URI before = three.owner(d).orElseThrow();
      owned.merge(before, 1, Integer::sum);
      URI after = two.owner(d).orElseThrow();
      if (!before.equals(after)) {
        assertEquals(5003, before.getPort(), "a blob of a staying replica moved");
        moved++;
      }
    }
    for (int count : owned.values()) {
      assertTrue(count > n / 3 * 0.85 && count < n / 3 * 1.15, "uneven: " + owned);
    }
    assertEquals(owned.get(URI.create("http://127.0.0.1:5003")), moved);
  }

  @Test
  void token_isCheckedExactly_andNoneAcceptsNothing() {
    PeerRing ring = ring(5001, 5001, 5002);
    assertTrue(ring.accepts(new String(TOKEN, StandardCharsets.UTF_8)));
    assertFalse(ring.accepts("0123456789abcdef-tieR"));
    assertFalse(ring.accepts(""));
    assertFalse(PeerRing.NONE.accepts(""));
    assertEquals(Optional.empty(), PeerRing.NONE.owner(digest(1)));
  }
}
