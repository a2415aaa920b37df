package dev.berth.proxy.config;

import dev.berth.proxy.text.InvalidValueException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * A block of client addresses in CIDR notation ({@code 10.0.0.7}, {@code 10.0.0.0/24}, {@code
 * fd00::/64}); a bare address is a block of one. Only literal addresses are accepted: a host name
 * would be resolved once, at start, and silently go stale. IPv4 blocks also match IPv4-mapped IPv6
 * addresses ({@code ::ffff:10.0.0.7}), which is how a dual-stack listener sees IPv4 clients.
 *
 * @param network the block's address bytes (4 or 16), host bits zero
 * @param prefix the number of leading bits that must match
 */
// Compared by contains(), never by equals(): the array component is fine here.
@SuppressWarnings("ArrayRecordComponent")
public record AddressRange(byte[] network, int prefix) {
  public AddressRange {
    network = network.clone();
    if (network.length != 4 && network.length != 16) {
      throw new IllegalArgumentException("network: 4 or 16 bytes, was " + network.length);
    }
    if (prefix < 0 || prefix > network.length * 8) {
      throw new IllegalArgumentException("prefix: 0.." + network.length * 8 + ", was " + prefix);
    }
  }

  /**
   * Parses {@code address[/prefix]}.
   *
   * @throws InvalidValueException naming the text, for the config error
   */
  public static AddressRange parse(String text) {
    String value = text.trim();
    int slash = value.indexOf('/');
    String address = slash < 0 ? value : value.substring(0, slash);
    byte[] bytes =
        literal(address)
            .orElseThrow(
                () ->
                    new InvalidValueException(
                        text,
                        "expected an IP address or CIDR block such as 10.0.0.7 or 10.0.0.0/24"))
            .getAddress();
    int prefix = bytes.length * 8;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(value.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bytes.length * 8) {
        throw new InvalidValueException(
            text, "expected a prefix length from 0 to " + bytes.length * 8 + " after '/'");
      }
    }
    for (int bit = prefix; bit < bytes.length * 8; bit++) {
      bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return new AddressRange(bytes, prefix);
  }

  /**
   * {@code host} as an address when it is an IP literal ({@code 10.0.0.7}, {@code fd00::2}, {@code
   * [::1]}), without any name lookup; empty for anything else, host names included. {@code
   * InetAddress.getByName} alone would resolve a near-literal such as {@code 1.2.3.256} through
   * DNS, a blocking call.
   */
  public static java.util.Optional<InetAddress> literal(String host) {
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (!isLiteral(h)) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(InetAddress.getByName(h)); // a literal: no lookup happens
    } catch (UnknownHostException e) {
      return java.util.Optional.empty();
    }
  }

  private static boolean isLiteral(String address) {
    if (address.isEmpty()) {
      return false;
    }
    if (address.indexOf(':') >= 0) {
      return address.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
    }
    String[] octets = address.split("\\.", -1);
    if (octets.length != 4) {
      return false;
    }
    for (String octet : octets) {
      // Anything else (1.2.3.256, 1.2.3.0004) would be taken for a host name and looked up.
      if (octet.isEmpty()
          || octet.length() > 3
          || !octet.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(octet) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Whether this block holds more than one address (a subnet rather than one host). */
  public boolean isBlock() {
    return prefix < network.length * 8;
  }

  /** Whether {@code address} lies in this block. */
  public boolean contains(InetAddress address) {
    Objects.requireNonNull(address, "address");
    byte[] candidate = address.getAddress();
    if (candidate.length == 16 && network.length == 4 && isIpv4Mapped(candidate)) {
      candidate = java.util.Arrays.copyOfRange(candidate, 12, 16);
    }
    if (candidate.length != network.length) {
      return false;
    }
    int fullBytes = prefix / 8;
    for (int i = 0; i < fullBytes; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
  }

  private static boolean isIpv4Mapped(byte[] address) {
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return false;
      }
    }
    return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof AddressRange r
        && prefix == r.prefix
        && java.util.Arrays.equals(network, r.network);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(network) + prefix;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 bytes are always an address", e);
    }
  }
}
