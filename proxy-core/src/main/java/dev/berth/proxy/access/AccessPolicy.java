package dev.berth.proxy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.auth.ClientIdentity;
import dev.berth.auth.credential.Credential;
import dev.berth.proxy.config.Tenancy;
import dev.berth.proxy.pull.Backoff;
import dev.berth.proxy.pull.SingleFlight;
import dev.berth.proxy.pull.StorageAccess;
import dev.berth.proxy.text.Messages;
import dev.berth.proxy.upstream.Candidates;
import dev.berth.proxy.upstream.RoutedRepository;
import dev.berth.proxy.upstream.UpstreamClient;
import dev.berth.proxy.upstream.UpstreamCredentials;
import dev.berth.proxy.upstream.UpstreamException;
import dev.berth.storage.AccessVerdict;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decides whether a client may read a repository through berth ({@code tenancy}, docs/design.md
 * item 6). With {@code open}, anyone who reaches berth may. With {@code verify}:
 *
 * <ul>
 *   <li>a repository the upstream serves anonymously is public: everyone may read it;
 *   <li>the node itself (a request without credentials from the node's addresses, see {@link
 *       NodeClients}) may read what the node's credentials can;
 *   <li>any other client only with its own credentials, when the upstream accepts them for that
 *       repository; everyone else gets a 401 challenge.
 * </ul>
 *
 * <p><b>Asking.</b> The question put to the upstream is the same in every case: {@code GET
 * /v2/<repo>/tags/list?n=1}, with no credentials, the node's, or exactly the client's. Only a 200
 * counts as yes: registries that hide private repositories behind a 404 must not turn into
 * "public", and the tag list needs the same pull permission as the content (distribution, Docker
 * Hub, ghcr.io, quay.io). Concurrent questions about one (repository, subject) share one call.
 *
 * <p><b>Verdicts are data.</b> Each answer is kept as an {@link AccessVerdict} ({@link Verdicts}:
 * memory in front of storage, so they survive restarts; client subjects are keyed hashes, never a
 * secret, see {@link Subject}). A verdict younger than {@code checkTtl} is used as it is. An older
 * one is checked again, and then:
 *
 * <ul>
 *   <li>an answer from a reachable upstream replaces it at once, a refusal (401, 403) included;
 *   <li>when the upstream cannot be reached (connect error, timeout, 5xx, 429, an unusable answer)
 *       or is inside its back-off window, the last verdict stands while it is younger than the
 *       upstream's {@code max-stale}: the outage a cache exists for does not lock clients out of
 *       what they could read an hour ago;
 *   <li>with no verdict, or one past {@code max-stale}, the request fails fast with a 503 naming
 *       the upstream.
 * </ul>
 *
 * A failed check opens the upstream's back-off window (the one tag revalidations use), so an
 * unreachable upstream is not asked on every request.
 */
public final class AccessPolicy {
  /** What the policy reports, for metrics. */
  public interface Observer {
    /**
     * One decision.
     *
     * @param basis {@code public}, {@code node}, {@code credential} or {@code anonymous}
     */
    void decision(String basis, boolean allowed);

    /**
     * A verdict past {@code checkTtl} was used because its upstream could not be asked.
     *
     * @param subject {@code public}, {@code node} or {@code credential}
     */
    void staleVerdict(String subject);
  }

  private final Tenancy tenancy;
  private final UpstreamClient client;
  private final UpstreamCredentials credentials;
  private final Verdicts verdicts;
  private final Backoff backoff;
  private final Duration checkTtl;
  private final Clock clock;
  private final byte[] subjectKey;
  private final Observer observer;
  private final SingleFlight<String, AccessVerdict> questions = new SingleFlight<>();

  /**
   * Subjects of recent client credentials: the id is a SHA-256 and the subject an HMAC over it, not
   * worth repeating per request. Holds credentials in memory only, as requests do.
   */
  private final Cache<Credential, Subject> clientSubjects =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterAccess(Duration.ofHours(1)).build();

  /**
   * @param subjectKey the cache's key for client subjects ({@link
   *     dev.berth.storage.VerdictStore#subjectKey()})
   */
  public AccessPolicy(
      Tenancy tenancy,
      UpstreamClient client,
      UpstreamCredentials credentials,
      StorageAccess storage,
      Backoff backoff,
      Duration checkTtl,
      Clock clock,
      byte[] subjectKey,
      Observer observer) {
    this.tenancy = tenancy;
    this.client = client;
    this.credentials = credentials;
    this.verdicts = new Verdicts(storage);
    this.backoff = backoff;
    this.checkTtl = checkTtl;
    this.clock = clock;
    this.subjectKey = subjectKey.clone();
    this.observer = observer;
  }

  /**
   * Succeeds when {@code identity} may read {@code repo}; fails with {@link AccessDeniedException}
   * otherwise, or with an {@link UpstreamException} when the upstream could not be asked and no
   * usable verdict is kept.
   */
  public Future<Void> authorize(RoutedRepository repo, ClientIdentity identity) {
    if (tenancy == Tenancy.OPEN) {
      return Future.succeededFuture();
    }
    return verdict(repo, Subject.PUBLIC, () -> readsTagList(repo, Candidates.ANONYMOUS))
        .compose(
            isPublic -> {
              if (isPublic.allowed()) {
                observer.decision("public", true);
                return Future.succeededFuture();
              }
              if (identity.isNode()) {
                return nodeMayRead(repo);
              }
              Optional<Credential> presented = identity.credential();
              if (presented.isEmpty()) {
                observer.decision("anonymous", false);
                return Future.failedFuture(
                    new AccessDeniedException(
                        "authentication required: "
                            + repo
                            + " is not public; present credentials the upstream accepts"));
              }
              Subject subject =
                  clientSubjects.get(presented.get(), c -> Subject.client(c, subjectKey));
              return verdict(
                      repo,
                      subject,
                      () -> readsTagList(repo, new Candidates(List.of(presented), presented)))
                  .compose(v -> decide(v.allowed(), "credential", repo, "these credentials"));
            });
  }

  private Future<Void> nodeMayRead(RoutedRepository repo) {
    return credentials
        .node(repo)
        .compose(
            node -> {
              if (node.isEmpty()) {
                observer.decision("node", false);
                return Future.failedFuture(
                    new AccessDeniedException(
                        "authentication required: "
                            + repo
                            + " is not public and the node holds no credentials for it; present"
                            + " credentials the upstream accepts"));
              }
              Candidates candidates = new Candidates(node.stream().map(Optional::of).toList());
              return verdict(repo, Subject.NODE, () -> readsTagList(repo, candidates))
                  .compose(v -> decide(v.allowed(), "node", repo, "the node's credentials"));
            });
  }

  private Future<Void> decide(boolean allowed, String basis, RoutedRepository repo, String who) {
    observer.decision(basis, allowed);
    return allowed
        ? Future.succeededFuture()
        : Future.failedFuture(
            new AccessDeniedException("the upstream does not accept " + who + " for " + repo));
  }

  /** The verdict on {@code subject} reading {@code repo}: kept, asked for, or stale. */
  private Future<AccessVerdict> verdict(
      RoutedRepository repo, Subject subject, Supplier<Future<Boolean>> question) {
    return verdicts
        .lookup(repo, subject)
        .compose(
            known -> {
              Instant now = clock.instant();
              if (known.isPresent() && isWithin(known.get(), now, checkTtl)) {
                return Future.succeededFuture(known.get());
              }
              String upstream = repo.upstream().name();
              Optional<UpstreamException> closed = backoff.refusal(upstream, upstream);
              if (closed.isPresent()) {
                return standIn(repo, subject, known, closed.get());
              }
              return ask(repo, subject, question)
                  .recover(
                      e -> {
                        if (!(e instanceof UpstreamException ue) || !isOutage(ue)) {
                          return Future.failedFuture(e);
                        }
                        // Only questions no client shapes (anonymous, the node's) close the
                        // upstream: a client's own odd credential must not hold everyone's
                        // checks off, nor keep stale verdicts standing for others.
                        if (!subject.isClient()) {
                          backoff.failure(upstream, ue.retryAfter());
                        }
                        return standIn(repo, subject, known, ue);
                      });
            });
  }

  /** One question per (repository, subject) at a time; records the answer. */
  private Future<AccessVerdict> ask(
      RoutedRepository repo, Subject subject, Supplier<Future<Boolean>> question) {
    return questions.run(
        repo + "\0" + subject.key(),
        () ->
            question
                .get()
                .compose(
                    allowed -> {
                      AccessVerdict verdict = new AccessVerdict(allowed, clock.instant());
                      backoff.success(repo.upstream().name());
                      return verdicts.record(repo, subject, verdict).map(stored -> verdict);
                    }));
  }

  /**
   * The kept verdict while it is within {@code max-stale}, else {@code outage}, its message saying
   * what berth knew.
   */
  private Future<AccessVerdict> standIn(
      RoutedRepository repo,
      Subject subject,
      Optional<AccessVerdict> known,
      UpstreamException outage) {
    Duration maxStale = repo.upstream().config().maxStale();
    if (known.isPresent() && isWithin(known.get(), clock.instant(), maxStale)) {
      observer.staleVerdict(subject.kind());
      return Future.succeededFuture(known.get());
    }
    String what =
        known.isEmpty()
            ? "berth has never checked who may read " + repo
            : "berth's last check of "
                + repo
                + " is "
                + age(known.get(), clock.instant()).toMinutes()
                + " min old, past max-stale "
                + maxStale.toMinutes()
                + " min";
    return Future.failedFuture(
        new UpstreamException(
            outage.kind(),
            outage.upstream(),
            (Messages.of(outage).startsWith("access check")
                    ? Messages.of(outage)
                    : "access check of " + repo + ": " + Messages.of(outage))
                + "; "
                + what,
            outage.retryAfter().orElse(null),
            outage));
  }

  /**
   * Whether {@code verdict} is at most {@code limit} old. A verdict from the future (recorded while
   * the clock ran ahead, then corrected) is not: it would otherwise never be checked again.
   */
  private static boolean isWithin(AccessVerdict verdict, Instant now, Duration limit) {
    Duration age = age(verdict, now);
    return !age.isNegative() && age.compareTo(limit) <= 0;
  }

  private static Duration age(AccessVerdict verdict, Instant now) {
    return Duration.between(verdict.checkedAt(), now);
  }

  /** Failures that say nothing about access: the upstream could not answer the question. */
  private static boolean isOutage(UpstreamException e) {
    return e.kind() == UpstreamException.Kind.UNAVAILABLE
        || e.kind() == UpstreamException.Kind.TOO_MANY_REQUESTS
        || e.kind() == UpstreamException.Kind.BAD_RESPONSE;
  }

  /**
   * Whether the upstream's tag list for {@code repo} answers 200 to exactly {@code candidates};
   * 401, 403 and other 4xx answers are a no, 5xx and 429 an {@link UpstreamException}.
   */
  private Future<Boolean> readsTagList(RoutedRepository repo, Candidates candidates) {
    return dev.berth.proxy.upstream.calls.AccessProbe.ask(client, repo, candidates);
  }
}
