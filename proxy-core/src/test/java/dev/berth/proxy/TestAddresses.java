package dev.berth.proxy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/** Addresses of this machine for tests that must reach berth or an upstream from off loopback. */
public final class TestAddresses {
  private TestAddresses() {}

  /** The first IPv4 address of an interface that is up and not loopback. */
  public static String nonLoopback() throws SocketException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          return address.getHostAddress();
        }
      }
    }
    throw new IllegalStateException("this test needs a non-loopback IPv4 address on the machine");
  }
}
