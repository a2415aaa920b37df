package dev.berth.proxy.upstream;

import dev.berth.proxy.config.HostPort;
import dev.berth.storage.Digest;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster tier's replicas and who owns which blob: rendezvous (highest random weight) hashing
 * of the blob's digest over the replicas' addresses, so every replica names the same owner without
 * talking to the others, and a replica that leaves moves only its own blobs. A non-owner fetches a
 * blob from its owner instead of the registry, so N replicas still make one registry GET per blob.
 *
 * <p>Members come from {@code cluster.peers}, each host resolved to all its addresses (a headless
 * Service lists every ready replica), again by {@link #refresh} every few seconds. Replicas prove
 * to each other that they are replicas with the shared token, sent as {@value #HEADER}.
 */
public final class PeerRing {
  private static final Logger log = LoggerFactory.getLogger(PeerRing.class);

  /** The header a replica sends its token in; a request carrying it is never forwarded again. */
  public static final String HEADER = "Berth-Peer";

  /** No peers: every blob is this berth's own. */
  public static final PeerRing NONE = new PeerRing(List.of(), 0, new byte[0]);

  private final List<HostPort> configured;
  private final String scheme;
  private final int selfPort;
  private final byte[] token;

  /** The members and which of them is this replica, replaced together. */
  private record View(List<URI> members, Set<URI> self) {}

  private volatile View view = new View(List.of(), Set.of());

  /**
   * @param selfPort this replica's registry port: a member on a local address with it is this one
   */
  public PeerRing(List<HostPort> configured, int selfPort, byte[] token) {
    this(configured, selfPort, token, false);
  }

  /**
   * @param tls the replicas' registry listeners speak HTTPS (their {@code tls}): the token and
   *     forwarded credentials then cross the network encrypted
   */
  public PeerRing(List<HostPort> configured, int selfPort, byte[] token, boolean tls) {
    this.scheme = tls ? "https" : "http";
    this.configured = List.copyOf(configured);
    this.selfPort = selfPort;
    this.token = token.clone();
  }

  public boolean enabled() {
    return !configured.isEmpty();
  }

  /** The token this replica presents to its peers. */
  public String token() {
    return new String(token, StandardCharsets.UTF_8);
  }

  /** Whether {@code presented} is the tier's token; constant time. */
  public boolean accepts(String presented) {
    return enabled() && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
  }

  /** Resolves the configured peers again. Blocking (DNS). */
  public void refresh() {
    List<URI> found = new ArrayList<>();
    Set<URI> mine = new HashSet<>();
    Set<InetAddress> local = localAddresses();
    for (HostPort peer : configured) {
      InetAddress[] addresses;
      try {
        addresses = InetAddress.getAllByName(peer.host());
      } catch (UnknownHostException e) {
        log.warn("cluster.peers: {} does not resolve now: {}", peer, e.getMessage());
        continue;
      }
      for (InetAddress address : addresses) {
        URI member = member(scheme, address, peer.port());
        if (!found.contains(member)) {
          found.add(member);
        }
        if (peer.port() == selfPort && local.contains(address)) {
          mine.add(member);
        }
      }
    }
    Collections.sort(found);
    if (!found.equals(view.members())) {
      log.info("cluster peers: {} (this replica: {})", found, mine);
    }
    view = new View(List.copyOf(found), Set.copyOf(mine));
  }

  private static URI member(String scheme, InetAddress address, int port) {
    String host = address.getHostAddress();
    return URI.create(
        scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port);
  }

  private static Set<InetAddress> localAddresses() {
    Set<InetAddress> local = new HashSet<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        local.addAll(Collections.list(nic.getInetAddresses()));
      }
    } catch (SocketException e) {
      log.warn("cannot list this machine's addresses: {}", e.toString());
    }
    return local;
  }

  public List<URI> members() {
    return view.members();
  }

  /** The replica that owns {@code digest}, or empty when it is this one (or there are none). */
  public Optional<URI> owner(Digest digest) {
    View v = view;
    URI best = null;
    long bestScore = 0;
    for (URI member : v.members()) {
      long score = score(member, digest);
      if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
        best = member;
        bestScore = score;
      }
    }
    return best == null || v.self().contains(best) ? Optional.empty() : Optional.of(best);
  }

  /** The weight of {@code member} for {@code digest}: the first 8 bytes of a SHA-256 of both. */
  static long score(URI member, Digest digest) {
    MessageDigest sha = Digest.Algorithm.SHA256.newMessageDigest();
    sha.update(member.toString().getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    sha.update(digest.toString().getBytes(StandardCharsets.UTF_8));
    byte[] h = sha.digest();
    long score = 0;
    for (int i = 0; i < 8; i++) {
      score = (score << 8) | (h[i] & 0xff);
    }
    return score;
  }
}
