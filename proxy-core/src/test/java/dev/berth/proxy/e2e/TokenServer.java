package dev.berth.proxy.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * An in-process token server for distribution's token authentication, on a free loopback port,
 * granting each user only what its {@link Grant}s allow.
 *
 * <p>Why: berth must pull from upstreams that use bearer tokens (Docker Hub, GHCR, Harbor) with
 * per-user rights, and tests must see exactly which scopes berth asked for as whom. This serves
 * {@code GET /token?service=...&scope=repository:<repo>:pull,push&scope=...} with optional Basic
 * credentials (none means anonymous), and also the OAuth2 password grant ({@code POST /token}, form
 * {@code grant_type=password&username=&password=&service=&scope=}) that containerd tries first.
 * Wrong credentials get 401. A successful answer is {@code {"token", "access_token", "expires_in",
 * "issued_at"}}; the token is an ES256 JWT with {@code iss}, {@code sub} (empty for anonymous),
 * {@code aud} = service, {@code exp}, {@code nbf}, {@code iat}, {@code jti} and {@code access}
 * holding, per requested repository scope, the requested actions the user's grants allow
 * (repositories with none are left out, so the registry then answers 401 {@code
 * insufficient_scope}). Every request is recorded ({@link #requests()}).
 *
 * <p>The server and its signing key live until {@link #close()}; {@link #stop()}/{@link #start()}
 * keep the port, key and grants. Usually run through {@link TokenAuthRegistry}.
 */
public final class TokenServer implements AutoCloseable {
  /** Where a key's trust comes from in the JWT header: {@code x5c} (default) or {@code kid}. */
  public enum KeyHint {
    /** {@code x5c: [<certificate DER, base64>]}: the registry verifies the chain to its bundle. */
    X5C,
    /** {@code kid: <libtrust key ID>}: the registry looks the ID up among its bundle's keys. */
    KID
  }

  /**
   * Actions on repositories whose name matches a pattern.
   *
   * @param repositoryPattern {@code *} matches any characters, {@code /} included: {@code team-a/*}
   *     covers {@code team-a/app} and {@code team-a/x/y}; {@code *} covers everything
   * @param actions for example {@code pull}, {@code push}, {@code delete}, {@code *}
   */
  public record Grant(String repositoryPattern, Set<String> actions) {
    public Grant {
      actions = Set.copyOf(actions);
    }

    /** A grant of {@code actions} on repositories matching {@code repositoryPattern}. */
    public static Grant of(String repositoryPattern, String... actions) {
      return new Grant(repositoryPattern, new LinkedHashSet<>(List.of(actions)));
    }

    /** Pull only. */
    public static Grant pull(String repositoryPattern) {
      return of(repositoryPattern, "pull");
    }

    /** Pull and push. */
    public static Grant pullPush(String repositoryPattern) {
      return of(repositoryPattern, "pull", "push");
    }

    boolean matches(String repository) {
      String regex =
          Arrays.stream(repositoryPattern.split("\\*", -1))
              .map(Pattern::quote)
              .collect(Collectors.joining(".*"));
      return Pattern.matches(regex, repository);
    }
  }

  /**
   * One entry of a token's {@code access} claim.
   *
   * @param type {@code repository}
   * @param name the repository
   * @param actions granted actions, in the order requested
   */
  public record Access(String type, String name, List<String> actions) {
    public Access {
      actions = List.copyOf(actions);
    }

    /** {@code type:name:action,action}, the scope syntax. */
    public String scope() {
      return type + ":" + name + ":" + String.join(",", actions);
    }
  }

  /**
   * One request the token server answered.
   *
   * @param method {@code GET} or {@code POST}
   * @param user the user name sent (checked or not); null when anonymous
   * @param service the {@code service} parameter, empty when absent
   * @param scopes the requested scopes as sent, e.g. {@code repository:team-a/app:pull,push}
   * @param granted what the token grants; empty when refused
   * @param status 200, or 401 for wrong credentials, 400 for an unsupported grant type
   * @param time when it was answered
   */
  public record TokenRequest(
      String method,
      @Nullable String user,
      String service,
      List<String> scopes,
      List<Access> granted,
      int status,
      Instant time) {
    public TokenRequest {
      scopes = List.copyOf(scopes);
      granted = List.copyOf(granted);
    }

    /** True when no credentials were sent. */
    public boolean anonymous() {
      return user == null;
    }

    /** True for a 200 answer with a token. */
    public boolean succeeded() {
      return status == 200;
    }

    /** The granted access as scopes, e.g. {@code repository:team-a/app:pull}. */
    public List<String> grantedScopes() {
      return granted.stream().map(Access::scope).toList();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final int port;
  private final String service;
  private final String issuer;
  private final Duration tokenLifetime;
  private final KeyHint keyHint;
  private final SigningKey key;
  private final Map<String, String> passwords;
  private final Map<String, List<Grant>> grants = new ConcurrentHashMap<>();
  private volatile List<Grant> anonymousGrants;
  private final List<TokenRequest> requests = new CopyOnWriteArrayList<>();
  private @Nullable HttpServer server;
  private @Nullable ExecutorService executor;
  private boolean closed;

  private TokenServer(Builder builder) {
    this.port = FreePorts.next();
    this.service = builder.service;
    this.issuer = builder.issuer;
    this.tokenLifetime = builder.tokenLifetime;
    this.keyHint = builder.keyHint;
    this.key = SigningKey.generate(builder.issuer);
    this.passwords = Map.copyOf(builder.passwords);
    this.grants.putAll(builder.grants);
    this.anonymousGrants = List.copyOf(builder.anonymousGrants);
  }

  /** A builder with service {@code berth-e2e-registry}, issuer {@code berth-e2e-token-issuer}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures users, grants and token details; {@link #start()} binds the port. */
  public static final class Builder {
    private String service = "berth-e2e-registry";
    private String issuer = "berth-e2e-token-issuer";
    private Duration tokenLifetime = Duration.ofMinutes(5);
    private KeyHint keyHint = KeyHint.X5C;
    private final Map<String, String> passwords = new LinkedHashMap<>();
    private final Map<String, List<Grant>> grants = new LinkedHashMap<>();
    private final List<Grant> anonymousGrants = new ArrayList<>();

    private Builder() {}

    /** A user with a password and what it may do; replaces an earlier user of that name. */
    public Builder user(String username, String password, Grant... userGrants) {
      new Credentials(username, password); // validates the name
      passwords.put(username, password);
      grants.put(username, List.of(userGrants));
      return this;
    }

    /** What requests without credentials may do (nothing by default); adds to earlier calls. */
    public Builder anonymous(Grant... grantsForAnyone) {
      anonymousGrants.addAll(List.of(grantsForAnyone));
      return this;
    }

    /** The {@code service} (token audience) the registry is configured with. */
    public Builder service(String name) {
      this.service = name;
      return this;
    }

    /** The {@code iss} claim the registry is configured to trust. */
    public Builder issuer(String name) {
      this.issuer = name;
      return this;
    }

    /**
     * {@code exp - iat} and {@code expires_in} (default 5 minutes). The registry allows 60 s of
     * clock skew past {@code exp}, so a token is refused only a minute after it expires.
     */
    public Builder tokenLifetime(Duration lifetime) {
      this.tokenLifetime = lifetime;
      return this;
    }

    /** How the JWT header identifies the signing key (default {@link KeyHint#X5C}). */
    public Builder keyHint(KeyHint hint) {
      this.keyHint = hint;
      return this;
    }

    /** Creates the key and starts serving. */
    public TokenServer start() {
      TokenServer server = new TokenServer(this);
      server.start();
      return server;
    }
  }

  /** Binds the port (the same one after a {@link #stop()}) and serves. Idempotent. */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("token server on port " + port + " is closed");
    }
    if (server != null) {
      return;
    }
    try {
      HttpServer created =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
      ExecutorService pool =
          Executors.newCachedThreadPool(
              runnable -> {
                Thread thread = new Thread(runnable, "berth-e2e-token-server-" + port);
                thread.setDaemon(true);
                return thread;
              });
      created.setExecutor(pool);
      created.createContext("/token", this::handle);
      created.start();
      server = created;
      executor = pool;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the token server to port " + port, e);
    }
  }

  /** Stops serving (connections are refused); port, key, grants and records stay. Idempotent. */
  public synchronized void stop() {
    HttpServer running = server;
    if (running != null) {
      running.stop(0);
      server = null;
    }
    ExecutorService pool = executor;
    if (pool != null) {
      pool.shutdownNow();
      executor = null;
    }
  }

  /** Stops for good. */
  @Override
  public synchronized void close() {
    stop();
    closed = true;
  }

  /** True while serving. */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /** The loopback port; stable across restarts. */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>/token}, the {@code realm} of the registry's challenge. */
  public String realm() {
    return "http://127.0.0.1:" + port + "/token";
  }

  /** The audience the tokens are issued for. */
  public String service() {
    return service;
  }

  /** The {@code iss} of the tokens. */
  public String issuer() {
    return issuer;
  }

  /** The signing certificate as PEM, what the registry's {@code rootcertbundle} must hold. */
  public String rootCertificatePem() {
    return key.certificatePem();
  }

  /** Writes {@link #rootCertificatePem()} to {@code file}. */
  public void writeRootCertBundle(Path file) {
    try {
      Files.writeString(file, rootCertificatePem(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replaces what {@code username} may do from now on (tokens already issued keep theirs). */
  public void setGrants(String username, Grant... userGrants) {
    if (!passwords.containsKey(username)) {
      throw new IllegalArgumentException("no user " + username);
    }
    grants.put(username, List.of(userGrants));
  }

  /** Replaces what anonymous requests may do from now on. */
  public void setAnonymousGrants(Grant... grantsForAnyone) {
    anonymousGrants = List.of(grantsForAnyone);
  }

  /** Every request answered so far, oldest first. */
  public List<TokenRequest> requests() {
    return List.copyOf(requests);
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    requests.clear();
  }

  /**
   * Issues a token directly, without HTTP or a record: for tests that need a token of a given
   * lifetime (an expired one, say) or scopes.
   *
   * @param subject the {@code sub} claim, empty for anonymous
   * @param lifetime may be negative for an already expired token
   */
  public String mintToken(String subject, List<Access> access, Duration lifetime) {
    return jwt(subject, access, Instant.now().truncatedTo(ChronoUnit.SECONDS), lifetime);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
      Map<String, List<String>> params;
      @Nullable Credentials credentials;
      if (method.equals("GET")) {
        params = parseQuery(exchange.getRequestURI().getRawQuery());
        credentials = basicCredentials(exchange.getRequestHeaders().getFirst("Authorization"));
      } else if (method.equals("POST")) {
        params =
            parseQuery(
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!"password".equals(first(params, "grant_type"))) {
          // No refresh tokens are issued, so only the password grant makes sense here.
          record(method, null, params, List.of(), 400);
          respond(exchange, 400, Map.of("error", "unsupported_grant_type"));
          return;
        }
        String username = first(params, "username");
        credentials =
            username == null || username.isEmpty()
                ? null
                : new Credentials(
                    username, Optional.ofNullable(first(params, "password")).orElse(""));
      } else {
        respond(exchange, 405, Map.of("error", "method not allowed"));
        return;
      }
      if (credentials != null
          && !credentials.password().equals(passwords.get(credentials.username()))) {
        record(method, credentials.username(), params, List.of(), 401);
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"berth-e2e-token\"");
        respond(
            exchange,
            401,
            Map.of(
                "errors",
                List.of(Map.of("code", "UNAUTHORIZED", "message", "wrong user name or password"))));
        return;
      }
      String user = credentials == null ? null : credentials.username();
      List<Access> granted = grant(user, scopes(params));
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      String token = jwt(user == null ? "" : user, granted, now, tokenLifetime);
      record(method, user, params, granted, 200);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("token", token);
      body.put("access_token", token);
      body.put("expires_in", tokenLifetime.toSeconds());
      body.put("issued_at", now.toString());
      if (method.equals("POST")) {
        body.put("scope", String.join(" ", granted.stream().map(Access::scope).toList()));
      }
      respond(exchange, 200, body);
    } catch (RuntimeException e) {
      // An exception would only close the connection; tell the client what went wrong instead.
      try {
        respond(exchange, 500, Map.of("error", String.valueOf(e)));
      } catch (IOException | RuntimeException ignored) {
        // the response was already started
      }
    } finally {
      exchange.close();
    }
  }

  /** The requested repository scopes cut down to what {@code user}'s grants allow. */
  private List<Access> grant(@Nullable String user, List<String> requested) {
    List<Grant> allowed = new ArrayList<>(anonymousGrants);
    if (user != null) {
      allowed.addAll(grants.getOrDefault(user, List.of()));
    }
    Map<String, Set<String>> byRepository = new LinkedHashMap<>();
    for (String scope : requested) {
      int first = scope.indexOf(':');
      int last = scope.lastIndexOf(':');
      if (first < 0 || last <= first) {
        continue;
      }
      String type = scope.substring(0, first);
      String name = scope.substring(first + 1, last);
      if (!type.equals("repository")) {
        continue; // registry:catalog:* and resource classes are never granted
      }
      Set<String> actions = byRepository.computeIfAbsent(name, n -> new LinkedHashSet<>());
      for (String action : scope.substring(last + 1).split(",")) {
        boolean permitted =
            allowed.stream().anyMatch(g -> g.matches(name) && g.actions().contains(action));
        if (permitted) {
          actions.add(action);
        }
      }
    }
    List<Access> access = new ArrayList<>();
    byRepository.forEach(
        (name, actions) -> {
          if (!actions.isEmpty()) {
            access.add(new Access("repository", name, new ArrayList<>(actions)));
          }
        });
    return access;
  }

  private String jwt(String subject, List<Access> access, Instant issuedAt, Duration lifetime) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("typ", "JWT");
    header.put("alg", key.jwsAlgorithm());
    if (keyHint == KeyHint.X5C) {
      header.put("x5c", List.of(key.certificateBase64()));
    } else {
      header.put("kid", key.libtrustKeyId());
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", issuer);
    claims.put("sub", subject);
    claims.put("aud", service); // a string: distribution 2.8 cannot parse an array here
    claims.put("exp", issuedAt.plus(lifetime).getEpochSecond());
    claims.put("nbf", issuedAt.getEpochSecond());
    claims.put("iat", issuedAt.getEpochSecond());
    claims.put("jti", UUID.randomUUID().toString());
    claims.put(
        "access",
        access.stream()
            .map(a -> Map.of("type", a.type(), "name", a.name(), "actions", a.actions()))
            .toList());
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        base64.encodeToString(toJson(header)) + "." + base64.encodeToString(toJson(claims));
    byte[] signature = key.signJws(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + base64.encodeToString(signature);
  }

  private void record(
      String method,
      @Nullable String user,
      Map<String, List<String>> params,
      List<Access> granted,
      int status) {
    requests.add(
        new TokenRequest(
            method,
            user,
            Optional.ofNullable(first(params, "service")).orElse(""),
            scopes(params),
            granted,
            status,
            Instant.now()));
  }

  /** Every {@code scope} parameter, each split at spaces (the OAuth2 form lists them so). */
  private static List<String> scopes(Map<String, List<String>> params) {
    List<String> scopes = new ArrayList<>();
    for (String value : params.getOrDefault("scope", List.of())) {
      for (String scope : value.split(" ")) {
        if (!scope.isEmpty()) {
          scopes.add(scope);
        }
      }
    }
    return scopes;
  }

  private static @Nullable Credentials basicCredentials(@Nullable String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String decoded =
        new String(
            Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
    int colon = decoded.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    return new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1));
  }

  private static Map<String, List<String>> parseQuery(@Nullable String query) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params
          .computeIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8), n -> new ArrayList<>())
          .add(URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  private static @Nullable String first(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static void respond(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = toJson(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static byte[] toJson(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** For failure messages. */
  @Override
  public String toString() {
    return "TokenServer[" + realm() + ", service=" + service + ", issuer=" + issuer + "]";
  }
}
