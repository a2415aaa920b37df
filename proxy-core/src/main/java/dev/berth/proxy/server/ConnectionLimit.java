package dev.berth.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Caps open client connections, counted from the TCP accept, and closes a connection that has not
 * sent a complete request head within the header timeout.
 *
 * <p>It sits on the listening channel (see {@link ListenerHookTransport}) because Vert.x reports a
 * connection only once it has read the first bytes (in clear text it must first tell HTTP/1.1 from
 * an HTTP/2 preface; over TLS the handshake comes first): a client that connects and sends nothing
 * would hold a descriptor unseen until the idle timeout. Beyond the cap a new connection is closed
 * at once, before Vert.x sets it up; the client (containerd) then tries its next host.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
  private final int max;
  private final Duration headerTimeout;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();

  /**
   * Connections still waiting for their first request head, by client address: the request handler
   * sees Vert.x's connection, not the channel, and the address pair names one TCP connection.
   */
  private final Map<SocketAddress, Pending> awaitingHead = new ConcurrentHashMap<>();

  ConnectionLimit(int max, Duration headerTimeout) {
    this.max = max;
    this.headerTimeout = headerTimeout;
  }

  /** An accepted connection, on the acceptor's event loop, before Vert.x has seen it. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Channel child)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      rejected.incrementAndGet();
      // Not registered with an event loop yet: close the socket directly, as Netty's own acceptor
      // does with a child it cannot register.
      child.unsafe().closeForcibly();
      return;
    }
    SocketAddress client = client(child);
    Pending pending = new Pending(child);
    if (client != null) {
      awaitingHead.put(client, pending);
      pending.deadline =
          ctx.executor()
              .schedule(
                  () -> expire(client, pending), headerTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    child
        .closeFuture()
        .addListener(
            f -> {
              open.decrementAndGet();
              if (client != null) {
                awaitingHead.remove(client, pending);
                pending.cancel();
              }
            });
    ctx.fireChannelRead(child);
  }

  private void expire(SocketAddress client, Pending pending) {
    if (awaitingHead.remove(client, pending)) {
      timedOut.incrementAndGet();
      // Closing needs no answer: the channel is gone either way, and its close is counted.
      var unused = pending.channel.close();
    }
  }

  private static @Nullable SocketAddress client(Channel child) {
    // The same conversion Vert.x applies for HttpConnection.remoteAddress().
    return child.remoteAddress() instanceof InetSocketAddress address
        ? SocketAddress.inetSocketAddress(address)
        : null;
  }

  /** Wraps the request handler: a request means its connection sent a whole request head. */
  Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
    return request -> {
      if (!awaitingHead.isEmpty()) {
        Pending pending = awaitingHead.remove(request.connection().remoteAddress());
        if (pending != null) {
          pending.cancel();
        }
      }
      next.handle(request);
    };
  }

  int openCount() {
    return open.get();
  }

  long rejectedCount() {
    return rejected.get();
  }

  long timedOutCount() {
    return timedOut.get();
  }

  private static final class Pending {
    final Channel channel;
    volatile @Nullable Future<?> deadline;

    Pending(Channel channel) {
      this.channel = channel;
    }

    void cancel() {
      Future<?> d = deadline;
      if (d != null) {
        d.cancel(false);
      }
    }
  }
}
