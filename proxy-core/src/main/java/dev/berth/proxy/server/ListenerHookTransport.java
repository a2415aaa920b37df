package dev.berth.proxy.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.transport.Transport;
import java.util.concurrent.ThreadFactory;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Vert.x's transport (native when the platform has it, else NIO) with one addition: the listeners
 * {@code hooked} picks get {@code acceptor} on their listening channel, where it sees every
 * accepted connection before Vert.x does. Vert.x 5 has no public hook at accept; its transport
 * SPI's {@code configure(NetServerOptions, ..., ServerBootstrap)} is where a transport sets up the
 * listening channel, and Netty's {@code ServerBootstrap.handler} runs ahead of the acceptor that
 * hands the connection on.
 */
final class ListenerHookTransport implements Transport {
  private final Transport base;
  private final io.vertx.core.spi.transport.Transport implementation;

  private ListenerHookTransport(
      Transport base, Predicate<NetServerOptions> hooked, ChannelHandler acceptor) {
    this.base = base;
    this.implementation = new Hooked(base.implementation(), hooked, acceptor);
  }

  /** The native transport when available, else NIO, with the hook. */
  static ListenerHookTransport preferNative(
      Predicate<NetServerOptions> hooked, ChannelHandler acceptor) {
    Transport wanted = Transport.nativeTransport();
    Transport base = wanted != null && wanted.available() ? wanted : Transport.NIO;
    return new ListenerHookTransport(base, hooked, acceptor);
  }

  /** Why no native transport is used, or null when one is. */
  @Nullable Throwable nativeUnavailableCause() {
    if (base != Transport.NIO) {
      return null;
    }
    Transport wanted = Transport.nativeTransport();
    return wanted == null
        ? new UnsupportedOperationException("no native transport for this platform")
        : wanted.unavailabilityCause();
  }

  @Override
  public String name() {
    return base.name();
  }

  @Override
  public boolean available() {
    return base.available();
  }

  @Override
  public Throwable unavailabilityCause() {
    return base.unavailabilityCause();
  }

  @Override
  public io.vertx.core.spi.transport.Transport implementation() {
    return implementation;
  }

  /** Delegates everything; adds the acceptor to the listeners it is meant for. */
  private static final class Hooked implements io.vertx.core.spi.transport.Transport {
    private final io.vertx.core.spi.transport.Transport delegate;
    private final Predicate<NetServerOptions> hooked;
    private final ChannelHandler acceptor;

    Hooked(
        io.vertx.core.spi.transport.Transport delegate,
        Predicate<NetServerOptions> hooked,
        ChannelHandler acceptor) {
      this.delegate = delegate;
      this.hooked = hooked;
      this.acceptor = acceptor;
    }

    @Override
    public void configure(
        NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      delegate.configure(options, domainSocket, bootstrap);
      if (hooked.test(options)) {
        bootstrap.handler(acceptor);
      }
    }

    @Override
    public boolean supportsDomainSockets() {
      return delegate.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return delegate.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return delegate.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return delegate.unavailabilityCause();
    }

    @Override
    public java.net.SocketAddress convert(SocketAddress address) {
      return delegate.convert(address);
    }

    @Override
    public SocketAddress convert(java.net.SocketAddress address) {
      return delegate.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return delegate.ioHandlerFactory();
    }

    @Override
    public EventLoopGroup eventLoopGroup(
        int type, int threads, ThreadFactory threadFactory, int ioRatio) {
      return delegate.eventLoopGroup(type, threads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return delegate.datagramChannel();
    }

    @Override
    @SuppressWarnings("deprecation") // the SPI's own signature
    public DatagramChannel datagramChannel(io.netty.channel.socket.InternetProtocolFamily family) {
      return delegate.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return delegate.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return delegate.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      delegate.configure(channel, options);
    }

    @Override
    public void configure(
        ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      delegate.configure(options, connectTimeout, domainSocket, bootstrap);
    }
  }
}
