package dev.berth.proxy.e2e;

import java.time.Duration;
import java.util.List;

/**
 * An upstream with distribution's token authentication and per-user rights: an in-process {@link
 * TokenServer} plus a {@link LocalRegistry} in token mode that trusts it.
 *
 * <p>Why: the upstreams berth must handle with credentials (Docker Hub, GHCR, Harbor) answer 401
 * {@code Bearer realm=...,service=...,scope=...}, and a token grants only what its user may do. A
 * test pulls through berth as some user and then checks both what the client got and which token
 * requests berth made ({@link #tokenRequests()}): as whom, for which scopes, what was granted. The
 * registry refuses a token without the needed action with 401 {@code error="insufficient_scope"}.
 *
 * <p>{@link #startWithTeams()} is the usual setup: {@link #ALICE} may pull and push {@code
 * team-a/*}, {@link #BOB} {@code team-b/*}, {@link #ADMIN} everything, anonymous may pull {@code
 * public/*}. {@link #builder()} configures other users and grants. {@link #stop()}/{@link #start()}
 * stop and restart both servers on the same ports with the same images and signing key; stop one
 * alone through {@link #tokenServer()} or {@link #registry()}.
 *
 * <pre>{@code
 * try (TokenAuthRegistry upstream = TokenAuthRegistry.startWithTeams()) {
 *   TestImages.pushingTo(upstream).withCredentials(TokenAuthRegistry.ALICE)
 *       .smallImage("team-a/app", "1");
 *   // ... pull through berth configured with alice's credentials ...
 *   assertTrue(upstream.tokenRequests().stream()
 *       .anyMatch(r -> "alice".equals(r.user())
 *           && r.grantedScopes().contains("repository:team-a/app:pull")));
 * }
 * }</pre>
 */
public final class TokenAuthRegistry implements AutoCloseable {
  /** In {@link #startWithTeams()}: pull and push on {@code team-a/*}. */
  public static final Credentials ALICE = new Credentials("alice", "alice-pw");

  /** In {@link #startWithTeams()}: pull and push on {@code team-b/*}. */
  public static final Credentials BOB = new Credentials("bob", "bob-pw");

  /**
   * In {@link #startWithTeams()}: pull and push on every repository, e.g. to seed {@code public/*}.
   */
  public static final Credentials ADMIN = new Credentials("admin", "admin-pw");

  private final TokenServer tokens;
  private final LocalRegistry registry;

  private TokenAuthRegistry(TokenServer tokens, LocalRegistry registry) {
    this.tokens = tokens;
    this.registry = registry;
  }

  /**
   * Starts the team setup: alice {@code team-a/*} pull+push, bob {@code team-b/*} pull+push, admin
   * {@code *} pull+push, anonymous {@code public/*} pull.
   *
   * @return running servers; close them
   */
  public static TokenAuthRegistry startWithTeams() {
    return builder()
        .user(ALICE, TokenServer.Grant.pullPush("team-a/*"))
        .user(BOB, TokenServer.Grant.pullPush("team-b/*"))
        .user(ADMIN, TokenServer.Grant.pullPush("*"))
        .anonymous(TokenServer.Grant.pull("public/*"))
        .start();
  }

  /** Users, grants and token details, as {@link TokenServer.Builder}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures the token server; {@link #start()} starts it and the registry. */
  public static final class Builder {
    private final TokenServer.Builder tokens = TokenServer.builder();

    private Builder() {}

    /** See {@link TokenServer.Builder#user}. */
    public Builder user(String username, String password, TokenServer.Grant... grants) {
      tokens.user(username, password, grants);
      return this;
    }

    /** See {@link TokenServer.Builder#user}. */
    public Builder user(Credentials credentials, TokenServer.Grant... grants) {
      return user(credentials.username(), credentials.password(), grants);
    }

    /** See {@link TokenServer.Builder#anonymous}. */
    public Builder anonymous(TokenServer.Grant... grants) {
      tokens.anonymous(grants);
      return this;
    }

    /** See {@link TokenServer.Builder#tokenLifetime}. */
    public Builder tokenLifetime(Duration lifetime) {
      tokens.tokenLifetime(lifetime);
      return this;
    }

    /** See {@link TokenServer.Builder#keyHint}. */
    public Builder keyHint(TokenServer.KeyHint hint) {
      tokens.keyHint(hint);
      return this;
    }

    /** See {@link TokenServer.Builder#service}. */
    public Builder service(String name) {
      tokens.service(name);
      return this;
    }

    /** See {@link TokenServer.Builder#issuer}. */
    public Builder issuer(String name) {
      tokens.issuer(name);
      return this;
    }

    /**
     * Starts the token server, then the registry; skips or fails as {@link E2eTools} decides when
     * {@code docker-registry} is missing.
     */
    public TokenAuthRegistry start() {
      E2eTools.require("docker-registry");
      TokenServer server = tokens.start();
      try {
        return new TokenAuthRegistry(server, LocalRegistry.startNewWithTokenAuth(server));
      } catch (RuntimeException | Error e) {
        server.close();
        throw e;
      }
    }
  }

  /** {@code 127.0.0.1:<port>} of the registry, the registry part of an image reference. */
  public String hostPort() {
    return registry.hostPort();
  }

  /** {@code http://127.0.0.1:<port>} of the registry. */
  public String url() {
    return registry.url();
  }

  /** The registry's port. */
  public int port() {
    return registry.port();
  }

  /** The token endpoint, {@code http://127.0.0.1:<port>/token}. */
  public String realm() {
    return tokens.realm();
  }

  /** The {@code service} in the challenge and the tokens' audience. */
  public String service() {
    return tokens.service();
  }

  /** The registry, for its access log ({@link LocalRegistry#countRequests}) or to stop it alone. */
  public LocalRegistry registry() {
    return registry;
  }

  /** The token server, to change grants, mint tokens or stop it alone. */
  public TokenServer tokenServer() {
    return tokens;
  }

  /** Every token request so far: who (null for anonymous), which scopes, what was granted. */
  public List<TokenServer.TokenRequest> tokenRequests() {
    return tokens.requests();
  }

  /** Forgets the recorded token requests. */
  public void clearTokenRequests() {
    tokens.clearRequests();
  }

  /** Starts whichever of the two is stopped, token server first. */
  public void start() {
    tokens.start();
    registry.start();
  }

  /** Stops both (registry first); ports, storage, key and grants stay. Idempotent. */
  public void stop() {
    try {
      registry.stop();
    } finally {
      tokens.stop();
    }
  }

  /** True while both run. */
  public boolean isRunning() {
    return registry.isRunning() && tokens.isRunning();
  }

  /** Stops both and deletes the registry's storage. Idempotent. */
  @Override
  public void close() {
    try {
      registry.close();
    } finally {
      tokens.close();
    }
  }
}
