package dev.berth.proxy.e2e;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A minimal Kubernetes CRI image client: {@code runtime.v1.ImageService} over containerd's unix
 * socket, the calls a kubelet makes to pull, inspect and remove an image.
 *
 * <p>Why: a kubelet does not pull with {@code ctr}; it calls {@code PullImage} with the pod's pull
 * secret in {@code AuthConfig}, and containerd's CRI plugin then resolves through its own registry
 * configuration ({@code config_path}, hosts.toml) and its own credential logic. Only this path
 * proves that berth as a mirror works for Kubernetes nodes. Like the kubelet, {@link #pullImage}
 * leaves {@code server_address} empty, so containerd offers the credentials to every host it tries,
 * mirrors included.
 *
 * <p>The handful of messages is encoded and decoded by hand with protobuf-java's {@link
 * CodedOutputStream}/{@link CodedInputStream} (no protoc, no generated stubs); gRPC framing and
 * HTTP/2 come from Vert.x' gRPC client over a domain socket (native epoll transport). Field numbers
 * are those of k8s.io/cri-api {@code pkg/apis/runtime/v1/api.proto} (read in a public copy,
 * repository hasan4791/cri-api at commit 56ded9fa; unchanged since v1 was introduced):
 *
 * <ul>
 *   <li>{@code PullImageRequest{ImageSpec image = 1; AuthConfig auth = 2; PodSandboxConfig
 *       sandbox_config = 3}} &rarr; {@code PullImageResponse{string image_ref = 1}}
 *   <li>{@code ImageSpec{string image = 1; map<string,string> annotations = 2}}
 *   <li>{@code AuthConfig{string username = 1; string password = 2; string auth = 3; string
 *       server_address = 4; string identity_token = 5; string registry_token = 6}}
 *   <li>{@code ImageStatusRequest{ImageSpec image = 1; bool verbose = 2}} &rarr; {@code
 *       ImageStatusResponse{Image image = 1; map<string,string> info = 2}}
 *   <li>{@code Image{string id = 1; repeated string repo_tags = 2; repeated string repo_digests =
 *       3; uint64 size = 4}}
 *   <li>{@code RemoveImageRequest{ImageSpec image = 1}} &rarr; {@code RemoveImageResponse{}}
 * </ul>
 *
 * <p>A non-OK {@code grpc-status} becomes a {@link CriException} carrying the status and
 * containerd's {@code grpc-message}, so a refused pull is never mistaken for a successful one.
 *
 * <pre>{@code
 * try (CriClient cri = CriClient.connect(containerd.socket())) {
 *   String imageId = cri.pullImage(ref, Optional.of(new Credentials("alice", "pw")));
 *   cri.removeImage(ref);
 * }
 * }</pre>
 */
public final class CriClient implements AutoCloseable {
  private static final String SERVICE = "runtime.v1.ImageService/";
  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private final Vertx vertx;
  private final GrpcClient client;
  private final SocketAddress address;
  private final Duration timeout;

  private CriClient(Vertx vertx, GrpcClient client, SocketAddress address, Duration timeout) {
    this.vertx = vertx;
    this.client = client;
    this.address = address;
    this.timeout = timeout;
  }

  /**
   * A client for the CRI socket (containerd serves CRI on its main gRPC socket). Connects lazily,
   * on the first call.
   *
   * @throws IllegalStateException when Vert.x has no native transport here (domain sockets need it)
   */
  public static CriClient connect(Path socket) {
    return connect(socket, DEFAULT_TIMEOUT);
  }

  /**
   * As {@link #connect(Path)}, with the deadline of every call (sent as {@code grpc-timeout} and
   * enforced on the caller's side).
   */
  public static CriClient connect(Path socket, Duration timeout) {
    Vertx vertx =
        Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
    if (!vertx.isNativeTransportEnabled()) {
      Throwable cause = vertx.unavailableNativeTransportCause();
      vertx.close();
      throw new IllegalStateException(
          "unix domain sockets need Vert.x' native transport, unavailable here", cause);
    }
    return new CriClient(
        vertx,
        GrpcClient.client(vertx),
        SocketAddress.domainSocketAddress(socket.toString()),
        timeout);
  }

  /**
   * {@code PullImage}, as the kubelet sends it: the image, and {@code AuthConfig{username,
   * password}} with an empty {@code server_address} when {@code auth} is present (no {@code auth}
   * field at all otherwise).
   *
   * @param image a reference such as {@code registry.test:5000/e2e/small:1}
   * @return {@code image_ref}; containerd 1.6 answers with the image id, the digest of the image's
   *     config blob ({@code sha256:...})
   * @throws CriException when containerd answers with a non-OK status (e.g. the registry refused
   *     the credentials)
   */
  public String pullImage(String image, Optional<Credentials> auth) {
    return pull(image, auth, "");
  }

  /**
   * {@code PullImage} with {@code AuthConfig{username, password, server_address}}, which a kubelet
   * does not send. containerd 1.6 parses {@code serverAddress} as a URL and offers the credentials
   * only to a host equal to its host, comparing with the host it is contacting (a mirror's), not
   * with the image's registry.
   *
   * @param serverAddress a URL such as {@code http://127.0.0.1:5000}; empty is {@link
   *     #pullImage(String, Optional)}
   */
  public String pullImage(String image, Credentials auth, String serverAddress) {
    return pull(image, Optional.of(auth), serverAddress);
  }

  private String pull(String image, Optional<Credentials> auth, String serverAddress) {
    Proto request = new Proto().message(1, imageSpec(image));
    auth.ifPresent(
        c ->
            request.message(
                2,
                new Proto()
                    .string(1, c.username())
                    .string(2, c.password())
                    .string(4, serverAddress)));
    byte[] response = call("PullImage", request.bytes());
    return Decoded.of(response).string(1).orElse("");
  }

  /**
   * {@code ImageStatus} (not verbose).
   *
   * @return empty when containerd does not know the image (the response's {@code image} is unset)
   */
  public Optional<Image> imageStatus(String image) {
    byte[] response = call("ImageStatus", new Proto().message(1, imageSpec(image)).bytes());
    return Decoded.of(response).message(1).map(Image::decode);
  }

  /**
   * {@code RemoveImage}. containerd deletes every name of the image, the last one synchronously, so
   * content only this image used is garbage-collected before the call returns. Idempotent (no error
   * for an image it does not know).
   */
  public void removeImage(String image) {
    call("RemoveImage", new Proto().message(1, imageSpec(image)).bytes());
  }

  /** Closes the connection and the client's event loop. */
  @Override
  public void close() {
    try {
      await(client.close().eventually(() -> vertx.close()), Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      vertx.close();
    }
  }

  /**
   * What CRI says about an image.
   *
   * @param id the image id (config digest)
   * @param repoTags e.g. {@code registry.test:5000/e2e/small:1}
   * @param repoDigests e.g. {@code registry.test:5000/e2e/small@sha256:...} (the manifest digest)
   * @param size bytes, as containerd computes it
   */
  public record Image(String id, List<String> repoTags, List<String> repoDigests, long size) {
    public Image {
      repoTags = List.copyOf(repoTags);
      repoDigests = List.copyOf(repoDigests);
    }

    static Image decode(Decoded d) {
      return new Image(d.string(1).orElse(""), d.strings(2), d.strings(3), d.uint64(4));
    }
  }

  /**
   * A non-OK gRPC status from the CRI server.
   *
   * <p>The message reads {@code <method>: <STATUS> (<code>): <grpc-message>}, e.g. {@code
   * PullImage: UNKNOWN (2): failed to pull and unpack image ...: 401 Unauthorized} (containerd 1.6
   * reports a registry's refusal as UNKNOWN, not UNAUTHENTICATED).
   */
  public static final class CriException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String method;
    private final GrpcStatus status;
    private final String grpcMessage;

    CriException(String method, GrpcStatus status, @Nullable String grpcMessage) {
      super(
          method
              + ": "
              + status.name()
              + " ("
              + status.code
              + "): "
              + (grpcMessage == null ? "" : grpcMessage));
      this.method = method;
      this.status = status;
      this.grpcMessage = grpcMessage == null ? "" : grpcMessage;
    }

    /** The CRI method, e.g. {@code PullImage}. */
    public String method() {
      return method;
    }

    /** The {@code grpc-status}; never OK. */
    public GrpcStatus status() {
      return status;
    }

    /** The (decoded) {@code grpc-message}, containerd's reason; may be empty. */
    public String grpcMessage() {
      return grpcMessage;
    }
  }

  private byte[] call(String method, byte[] request) {
    // A connection of its own per call. With one pooled connection, a call after a refused pull
    // once waited 5 minutes for an answer while containerd held no connection from this client
    // at all (its goroutine dump showed no gRPC transport): the pool had handed out a connection
    // already gone. A unix socket connection costs next to nothing.
    GrpcClient perCall = GrpcClient.client(vertx);
    Future<byte[]> call =
        perCall
            .request(address)
            .compose(
                req -> {
                  req.fullMethodName(SERVICE + method);
                  req.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
                  return req.send(Buffer.buffer(request));
                })
            .compose(response -> collect(method, response))
            .eventually(() -> perCall.close());
    // A little longer than the deadline containerd is told, so its own DEADLINE_EXCEEDED wins.
    return await(call, timeout.plusSeconds(5));
  }

  /** The single response message, or a {@link CriException} for a non-OK status. */
  private static Future<byte[]> collect(
      String method, GrpcClientResponse<Buffer, Buffer> response) {
    Promise<byte[]> result = Promise.promise();
    List<Buffer> messages = new ArrayList<>();
    response.handler(messages::add);
    response.exceptionHandler(
        e -> {
          // The Vert.x client reports a non-OK status as an exception at the end of the stream;
          // status() and statusMessage() hold the trailers then.
          GrpcStatus status = response.status();
          if (status != null && status != GrpcStatus.OK) {
            result.tryFail(new CriException(method, status, response.statusMessage()));
          } else {
            result.tryFail(e);
          }
        });
    response.endHandler(
        v -> {
          GrpcStatus status = response.status();
          if (status != GrpcStatus.OK) {
            result.tryFail(
                new CriException(
                    method,
                    status == null ? GrpcStatus.UNKNOWN : status,
                    response.statusMessage()));
          } else if (messages.size() != 1) {
            result.tryFail(
                new IllegalStateException(
                    method + ": expected one response message, got " + messages.size()));
          } else {
            result.tryComplete(messages.get(0).getBytes());
          }
        });
    return result.future();
  }

  private static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for CRI", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no CRI answer within " + timeout, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("CRI call failed", e.getCause());
    }
  }

  private static Proto imageSpec(String image) {
    return new Proto().string(1, image);
  }

  /** A protobuf message being written: fields in the order added, zero values omitted. */
  private static final class Proto {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

    Proto string(int field, String value) {
      if (!value.isEmpty()) {
        io(() -> out.writeString(field, value));
      }
      return this;
    }

    Proto message(int field, Proto value) {
      byte[] encoded = value.bytes();
      io(() -> out.writeByteArray(field, encoded));
      return this;
    }

    byte[] bytes() {
      io(out::flush);
      return bytes.toByteArray();
    }

    private interface IoAction {
      void run() throws IOException;
    }

    private static void io(IoAction action) {
      try {
        action.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * A decoded protobuf message: the fields this client reads, by number; unknown fields skipped.
   * Length-delimited fields are kept raw (a string or a nested message, the caller knows which).
   */
  private static final class Decoded {
    private final List<Integer> numbers = new ArrayList<>();
    private final List<Object> values = new ArrayList<>();

    static Decoded of(byte[] message) {
      Decoded d = new Decoded();
      CodedInputStream in = CodedInputStream.newInstance(message);
      try {
        while (true) {
          int tag = in.readTag();
          if (tag == 0) {
            return d;
          }
          int field = WireFormat.getTagFieldNumber(tag);
          switch (WireFormat.getTagWireType(tag)) {
            case WireFormat.WIRETYPE_VARINT -> d.add(field, in.readUInt64());
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> d.add(field, in.readByteArray());
            default -> in.skipField(tag);
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("undecodable CRI response", e);
      }
    }

    private void add(int field, Object value) {
      numbers.add(field);
      values.add(value);
    }

    Optional<String> string(int field) {
      List<String> all = strings(field);
      return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    List<String> strings(int field) {
      List<String> result = new ArrayList<>();
      for (int i = 0; i < numbers.size(); i++) {
        if (numbers.get(i) == field && values.get(i) instanceof byte[] raw) {
          result.add(new String(raw, StandardCharsets.UTF_8));
        }
      }
      return result;
    }

    Optional<Decoded> message(int field) {
      for (int i = numbers.size() - 1; i >= 0; i--) {
        if (numbers.get(i) == field && values.get(i) instanceof byte[] raw) {
          return Optional.of(of(raw));
        }
      }
      return Optional.empty();
    }

    long uint64(int field) {
      for (int i = numbers.size() - 1; i >= 0; i--) {
        if (numbers.get(i) == field && values.get(i) instanceof Long value) {
          return value;
        }
      }
      return 0;
    }
  }
}
