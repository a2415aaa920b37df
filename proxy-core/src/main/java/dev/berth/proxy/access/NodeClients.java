package dev.berth.proxy.access;

import dev.berth.proxy.config.AddressRange;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which client addresses are the node itself ({@code credentials.node-identity}): loopback, plus
 * the configured {@code node-addresses}. A request without credentials from one of them acts as the
 * node. Immutable.
 */
public final class NodeClients {
  private final boolean enabled;
  private final List<AddressRange> extra;

  /**
   * @param enabled off: no client is the node, every one must present credentials
   * @param extra addresses besides loopback, such as the node's own IP for hostNetwork clients
   */
  public NodeClients(boolean enabled, List<AddressRange> extra) {
    this.enabled = enabled;
    this.extra = List.copyOf(extra);
  }

  /** Whether a request from {@code remote} comes from the node. */
  public boolean isNode(@Nullable SocketAddress remote) {
    if (!enabled || remote == null || remote.hostAddress() == null) {
      return false;
    }
    String host = remote.hostAddress();
    if (host.startsWith("127.") || host.equals("0:0:0:0:0:0:0:1") || host.equals("::1")) {
      return true; // loopback, the common case, without parsing
    }
    // hostAddress() is a literal; parsed without any name lookup.
    java.util.Optional<InetAddress> parsed = AddressRange.literal(host);
    if (parsed.isEmpty()) {
      return false;
    }
    InetAddress address = parsed.get();
    if (address.isLoopbackAddress()) {
      return true;
    }
    for (AddressRange range : extra) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
