package dev.berth.auth.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.auth.credential.Credential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs real plugins: small {@code /bin/sh} scripts written into a temporary bin directory. Each
 * script appends its stdin to {@code <name>.requests} (one line per run, so the line count is the
 * run count), its arguments to {@code <name>.args}, and then does what the test asks.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
@Timeout(60)
class CredentialProvidersTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String SECRET = "s3cr3t-pa55";
  private static final String V1 = "credentialprovider.kubelet.k8s.io/v1";
  private static final String ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app";
  private static final String ECR_IMAGE_2 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/db";

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private final Recorder listener = new Recorder();

  /** A clock moved by hand. */
  static final class FakeClock extends Clock {
    volatile Instant now = T0;

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** Records every callback as a line. */
  static final class Recorder implements CredentialProviders.Listener {
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    final List<String> successes = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onFailure(
        String provider, CredentialProviders.FailureReason reason, String message) {
      failures.add(provider + " " + reason.label() + " " + message);
    }

    @Override
    public void onSuccess(String provider, Duration took) {
      successes.add(provider);
    }

    @Override
    public void onWarning(String provider, String message) {
      warnings.add(provider + " " + message);
    }
  }

  @AfterEach
  void noSecretInAnyMessage() {
    for (String line : concat(listener.failures, listener.warnings)) {
      assertFalse(line.contains(SECRET), line);
      assertFalse(line.contains("pa55"), line);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  // --- plugins and configs ---

  private Path bin() throws IOException {
    return Files.createDirectories(dir.resolve("bin"));
  }

  /** Writes an executable plugin whose body runs after the request was recorded. */
  private void plugin(String name, String body) throws IOException {
    Path script = bin().resolve(name);
    String log = dir.resolve(name).toString();
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "req=$(cat)\n"
            + "printf '%s\\n' \"$req\" >> '"
            + log
            + ".requests'\n"
            + "printf '%s\\n' \"$*\" >> '"
            + log
            + ".args'\n"
            + body
            + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** A plugin that prints {@code response} (after an optional shell step). */
  private void respond(String name, String before, String response) throws IOException {
    plugin(name, before + "\ncat <<'EOF'\n" + response + "\nEOF");
  }

  /** A valid response body. */
  private static String response(String cacheKeyType, String cacheDuration, String authKey) {
    return "{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
        + V1
        + "\",\"cacheKeyType\":\""
        + cacheKeyType
        + "\""
        + (cacheDuration == null ? "" : ",\"cacheDuration\":\"" + cacheDuration + "\"")
        + ",\"auth\":{\""
        + authKey
        + "\":{\"username\":\"AWS\",\"password\":\""
        + SECRET
        + "\"}}}";
  }

  private int runs(String name) throws IOException {
    Path requests = dir.resolve(name + ".requests");
    return Files.exists(requests) ? Files.readAllLines(requests).size() : 0;
  }

  /** One provider entry in YAML. */
  private static String provider(String name, String duration, String... matchImages) {
    StringBuilder out =
        new StringBuilder("  - name: ")
            .append(name)
            .append("\n    apiVersion: ")
            .append(V1)
            .append("\n    defaultCacheDuration: \"")
            .append(duration)
            .append("\"\n    matchImages:\n");
    for (String m : matchImages) {
      out.append("      - \"").append(m).append("\"\n");
    }
    return out.toString();
  }

  private CredentialProviders load(Duration timeout, String... providers) throws Exception {
    Path config = dir.resolve("credential-providers.yaml");
    Files.writeString(
        config,
        "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders:\n"
            + String.join("", providers));
    return CredentialProviders.load(
        config, bin(), clock, listener, timeout, CredentialProviders.DEFAULT_FAILURE_BACKOFF);
  }

  private CredentialProviders load(String... providers) throws Exception {
    return load(CredentialProviders.DEFAULT_TIMEOUT, providers);
  }

  private static final Credential AWS = Credential.basic("AWS", SECRET);

  // --- running and matching ---

  @Test
  void provide_matchingImage_sendsTheKubeletRequestAndReturnsCredentials() throws Exception {
    respond("ecr", "", response("Registry", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(List.of(AWS), providers.provide(ECR_IMAGE));
    assertEquals(
        List.of(
            "{\"kind\":\"CredentialProviderRequest\",\"apiVersion\":\""
                + V1
                + "\",\"image\":\""
                + ECR_IMAGE
                + "\"}"),
        Files.readAllLines(dir.resolve("ecr.requests")));
    assertEquals(List.of("ecr"), listener.successes);
    assertEquals(List.of(), listener.failures);
  }

  @Test
  void provide_argsAndEnv_passedWithTheProcessEnvironment() throws Exception {
    respond(
        "ecr",
        "printf '%s|%s|%s\\n' \"$AWS_PROFILE\" \"$HOME_OVERRIDE\" \"${PATH:+has-path}\" > '"
            + dir.resolve("env")
            + "'",
        response("Image", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers =
        load(
            provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com")
                + "    args: [get-credentials, \"--v=3\", \"two words\"]\n"
                + "    env:\n"
                + "      - {name: AWS_PROFILE, value: first}\n"
                + "      - {name: HOME_OVERRIDE, value: x}\n"
                + "      - {name: AWS_PROFILE, value: hybrid}\n");

    providers.provide(ECR_IMAGE);

    assertEquals(
        List.of("get-credentials --v=3 two words"), Files.readAllLines(dir.resolve("ecr.args")));
    assertEquals(List.of("hybrid|x|has-path"), Files.readAllLines(dir.resolve("env")));
  }

  @ParameterizedTest(name = "{0} vs {1}: {2}")
  @CsvSource({
    "*.dkr.ecr.*.amazonaws.com, 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app, true",
    "*.dkr.ecr.*.amazonaws.com, 123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app, false",
    "*.dkr.ecr.*.amazonaws.com.cn, 123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app, true",
    "*.azurecr.io, myregistry.azurecr.io/team/app, true",
    "*.azurecr.io, a.b.azurecr.io/app, false",
    "*.azurecr.io, azurecr.io/app, false",
    "gcr.io, gcr.io/project/app, true",
    "gcr.io, eu.gcr.io/project/app, false",
    "*.gcr.io, eu.gcr.io/project/app, true",
    "*.gcr.io, gcr.io/project/app, false",
    "*.pkg.dev, us-docker.pkg.dev/project/repo/app, true",
    "*.pkg.dev, us.docker.pkg.dev/project/repo/app, false",
    "*.pkg.dev, docker.io/library/nginx, false",
    "gcr.io:443, gcr.io/project/app, false",
    "registry.io/team, registry.io/team/app, true",
    "registry.io/team, registry.io/other/app, false",
  })
  void provide_matchImages_runOnlyOnAKubeletMatch(String glob, String image, boolean runs)
      throws Exception {
    respond("p", "", response("Image", null, glob));
    CredentialProviders providers = load(provider("p", "12h", glob));

    List<Credential> found = providers.provide(image);

    assertEquals(runs ? 1 : 0, runs("p"));
    assertEquals(runs ? List.of(AWS) : List.of(), found);
  }

  @Test
  void provide_authKeyNotMatchingTheImage_noCredentials() throws Exception {
    respond("p", "", response("Image", null, "other.registry.io"));
    CredentialProviders providers = load(provider("p", "12h", "*.dkr.ecr.*.amazonaws.com"));
    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    assertEquals(1, runs("p"));
  }

  @Test
  void provide_twoProviders_oneKeyringMostSpecificFirstThenConfigOrder() throws Exception {
    respond(
        "wide",
        "",
        "{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
            + V1
            + "\",\"cacheKeyType\":\"Global\",\"auth\":{"
            + "\"*.example.com\":{\"username\":\"wide-glob\",\"password\":\"a\"},"
            + "\"reg.example.com\":{\"username\":\"wide-exact\",\"password\":\"b\"}}}");
    respond(
        "narrow",
        "",
        "{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
            + V1
            + "\",\"cacheKeyType\":\"Global\",\"auth\":{"
            + "\"reg.example.com/team\":{\"username\":\"narrow-path\",\"password\":\"c\"},"
            + "\"reg.example.com\":{\"username\":\"narrow-exact\",\"password\":\"d\"}}}");
    CredentialProviders providers =
        load(provider("wide", "1h", "*.example.com"), provider("narrow", "1h", "reg.example.com"));

    List<String> users =
        providers.provide("reg.example.com/team/app").stream().map(Credential::username).toList();

    assertEquals(List.of("narrow-path", "wide-exact", "narrow-exact", "wide-glob"), users);
  }

  // --- caching ---

  @Test
  void provide_registryCacheKey_otherImageOfTheRegistryReusesTheAnswer() throws Exception {
    respond("ecr", "", response("Registry", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    providers.provide(ECR_IMAGE);
    assertEquals(List.of(AWS), providers.provide(ECR_IMAGE_2));
    assertEquals(Optional.of(List.of(AWS)), providers.cached(ECR_IMAGE_2));

    assertEquals(1, runs("ecr"));
  }

  @Test
  void provide_imageCacheKey_sameImageReusesOtherImageRunsAgain() throws Exception {
    respond("ecr", "", response("Image", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    providers.provide(ECR_IMAGE);
    providers.provide(ECR_IMAGE);
    assertEquals(1, runs("ecr"));
    assertEquals(Optional.empty(), providers.cached(ECR_IMAGE_2));

    assertEquals(List.of(AWS), providers.provide(ECR_IMAGE_2));
    assertEquals(2, runs("ecr"));
  }

  @Test
  void provide_globalCacheKey_everyMatchingRegistryReusesTheAnswer() throws Exception {
    respond("gcp", "", response("Global", null, "*.pkg.dev"));
    CredentialProviders providers = load(provider("gcp", "1m", "gcr.io", "*.pkg.dev"));

    providers.provide("us-docker.pkg.dev/p/r/app");
    providers.provide("europe-docker.pkg.dev/p/r/app");
    providers.provide("gcr.io/p/app");

    assertEquals(1, runs("gcp"));
  }

  @Test
  void provide_cacheDurationZero_notCached() throws Exception {
    respond("ecr", "", response("Registry", "0s", "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    providers.provide(ECR_IMAGE);
    assertEquals(Optional.empty(), providers.cached(ECR_IMAGE));
    providers.provide(ECR_IMAGE);

    assertEquals(2, runs("ecr"));
  }

  @Test
  void provide_cacheDurationAbsent_defaultCacheDurationUntilTheClockPassesIt() throws Exception {
    respond("ecr", "", response("Registry", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "1h", "*.dkr.ecr.*.amazonaws.com"));

    providers.provide(ECR_IMAGE);
    clock.advance(Duration.ofHours(1));
    assertEquals(Optional.of(List.of(AWS)), providers.cached(ECR_IMAGE), "at the expiry instant");
    providers.provide(ECR_IMAGE);
    assertEquals(1, runs("ecr"));

    clock.advance(Duration.ofNanos(1));
    assertEquals(Optional.empty(), providers.cached(ECR_IMAGE));
    providers.provide(ECR_IMAGE);
    assertEquals(2, runs("ecr"));
  }

  @Test
  void provide_cacheDurationAbsentAndDefaultZero_notCached() throws Exception {
    respond("ecr", "", response("Registry", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "0s", "*.dkr.ecr.*.amazonaws.com"));

    providers.provide(ECR_IMAGE);
    providers.provide(ECR_IMAGE);

    assertEquals(2, runs("ecr"));
  }

  @Test
  void provide_explicitCacheDuration_overridesTheDefault() throws Exception {
    respond("ecr", "", response("Registry", "5m0s", "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    providers.provide(ECR_IMAGE);
    clock.advance(Duration.ofMinutes(4));
    providers.provide(ECR_IMAGE);
    assertEquals(1, runs("ecr"));

    clock.advance(Duration.ofMinutes(2));
    providers.provide(ECR_IMAGE);
    assertEquals(2, runs("ecr"));
  }

  @Test
  void cached_nothingMatches_emptyListWithoutRunning() throws Exception {
    respond("ecr", "", response("Registry", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(Optional.of(List.of()), providers.cached("docker.io/library/nginx"));
    assertEquals(Optional.empty(), providers.cached(ECR_IMAGE));
    assertEquals(0, runs("ecr"));
  }

  @Test
  void cached_oneOfTwoMatchingProvidersCached_empty() throws Exception {
    respond("a", "", response("Registry", null, "*.dkr.ecr.*.amazonaws.com"));
    respond("b", "", response("Image", "0s", "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers =
        load(
            provider("a", "12h", "*.dkr.ecr.*.amazonaws.com"),
            provider("b", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(List.of(AWS, AWS), providers.provide(ECR_IMAGE));
    assertEquals(Optional.empty(), providers.cached(ECR_IMAGE));
  }

  // --- single flight ---

  @Test
  void provide_concurrentCallsForOneImage_oneRun() throws Exception {
    respond("ecr", "sleep 1", response("Image", "0s", "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));
    int callers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Credential>>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return providers.provide(ECR_IMAGE);
                }));
      }
      start.countDown();
      for (Future<List<Credential>> result : results) {
        assertEquals(List.of(AWS), result.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    // cacheDuration 0: nothing cached, so every caller was served by the one shared run.
    assertEquals(1, runs("ecr"));
  }

  // --- failures ---

  @Test
  void provide_slowPlugin_killedWithItsChildrenAtTheTimeout() throws Exception {
    Path childPid = dir.resolve("child.pid");
    respond(
        "slow",
        "sleep 30 &\necho $! > '" + childPid + "'\nwait",
        response("Image", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers =
        load(Duration.ofMillis(700), provider("slow", "12h", "*.dkr.ecr.*.amazonaws.com"));

    long started = System.nanoTime();
    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    long tookMillis = (System.nanoTime() - started) / 1_000_000;

    assertTrue(tookMillis < 10_000, "took " + tookMillis + " ms");
    assertEquals(1, listener.failures.size(), listener.failures.toString());
    assertTrue(listener.failures.get(0).startsWith("slow timeout did not finish within 700ms"));
    long pid = Long.parseLong(Files.readString(childPid).trim());
    for (int i = 0;
        i < 50 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        i++) {
      Thread.sleep(100);
    }
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "child killed");
  }

  @Test
  void provide_childHoldsStdoutAfterThePluginExits_isKilledAtTheDeadline() throws Exception {
    Path pid = dir.resolve("child.pid");
    // The plugin leaves a child behind that keeps its stdout open, then exits.
    respond(
        "ecr",
        "sleep 60 &\necho $! > '" + pid + "'",
        response("Image", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers =
        load(Duration.ofSeconds(2), provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    assertEquals(1, listener.failures.size(), listener.failures.toString());
    assertTrue(
        listener.failures.get(0).contains("stdout stayed open"), listener.failures.toString());
    long child = Long.parseLong(Files.readString(pid).trim());
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)
        && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    assertFalse(
        ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false),
        "the child holding stdout was killed");
  }

  @Test
  void provide_failingAfterASuccess_lastGoodAnswerStandsInForADay() throws Exception {
    // Succeeds on its first run only (its backend goes down afterwards).
    Path flag = dir.resolve("ecr.ran");
    respond(
        "ecr",
        "if [ -e '" + flag + "' ]; then exit 1; fi\ntouch '" + flag + "'",
        response("Image", "1m", "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));
    assertEquals(List.of(AWS), providers.provide(ECR_IMAGE));

    clock.advance(Duration.ofMinutes(2)); // the cached answer expired: the plugin runs, and fails
    assertEquals(List.of(AWS), providers.provide(ECR_IMAGE));
    assertEquals(1, listener.failures.size(), listener.failures.toString());
    assertEquals(Optional.of(List.of(AWS)), providers.cached(ECR_IMAGE), "during the back-off");

    clock.advance(CredentialProviders.LAST_GOOD_LIMIT);
    assertEquals(List.of(), providers.provide(ECR_IMAGE), "a day later nothing stands in");
    assertEquals(3, runs("ecr"));
  }

  @Test
  void provide_nonZeroExit_exitFailureWithoutStderrContent() throws Exception {
    respond(
        "ecr",
        "echo 'token " + SECRET + " rejected' >&2\nexit 3",
        response("Image", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    assertEquals(
        List.of("ecr exit exited with status 3 (stderr: 27 bytes, not shown)"), listener.failures);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "garbage|password=" + SECRET + "|stdout is not a JSON document",
        "empty||stdout is not a JSON object (empty)",
        "wrong apiVersion|{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":"
            + "\"credentialprovider.kubelet.k8s.io/v1beta1\",\"cacheKeyType\":\"Image\",\"auth\":"
            + "{\"x.io\":{\"username\":\"u\",\"password\":\""
            + SECRET
            + "\"}}}|apiVersion of the response does not match the request's"
            + " credentialprovider.kubelet.k8s.io/v1 (it is"
            + " credentialprovider.kubelet.k8s.io/v1beta1)",
        "secret as apiVersion|{\"apiVersion\":\""
            + SECRET
            + "\"}|apiVersion of the response does not match the request's"
            + " credentialprovider.kubelet.k8s.io/v1",
        "wrong kind|{\"kind\":\"CredentialProviderRequest\",\"apiVersion\":\""
            + V1
            + "\",\"cacheKeyType\":\"Image\"}|kind of the response is not CredentialProviderResponse",
        "unknown cacheKeyType|{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
            + V1
            + "\",\"cacheKeyType\":\"Forever\",\"auth\":{\"x.io\":{\"username\":\"u\",\"password\":\""
            + SECRET
            + "\"}}}|cacheKeyType is not Image, Registry or Global",
        "missing cacheKeyType|{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
            + V1
            + "\"}|cacheKeyType is missing",
        "unknown field|{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
            + V1
            + "\",\"cacheKeyType\":\"Image\",\""
            + SECRET
            + "\":1}|the response has an unknown top-level field",
        "password not a string|{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
            + V1
            + "\",\"cacheKeyType\":\"Image\",\"auth\":{\"x.io\":{\"password\":1}}}|auth entry #0"
            + ".password is not a string",
        "bad cacheDuration|{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
            + V1
            + "\",\"cacheKeyType\":\"Image\",\"cacheDuration\":\"5 minutes\"}|cacheDuration is not"
            + " a Go duration",
        "trailing garbage|{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\""
            + V1
            + "\",\"cacheKeyType\":\"Image\"} "
            + SECRET
            + "|stdout is not a JSON document",
      })
  void provide_unusableResponse_invalidResponseWithoutItsContent(
      String what, String stdout, String expected) throws Exception {
    plugin("p", "printf '%s' '" + (stdout == null ? "" : stdout) + "'");
    CredentialProviders providers = load(provider("p", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(List.of(), providers.provide(ECR_IMAGE));

    assertEquals(1, listener.failures.size(), listener.failures.toString());
    String failure = listener.failures.get(0);
    assertTrue(failure.startsWith("p invalid-response "), failure);
    assertTrue(failure.contains(expected), failure);
    // noSecretInAnyMessage() checks that the password never shows.
  }

  @Test
  void provide_stdoutOverOneMebibyte_invalidResponse() throws Exception {
    plugin("big", "head -c 2000000 /dev/zero | tr '\\0' 'x'");
    CredentialProviders providers = load(provider("big", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    assertEquals(
        List.of("big invalid-response stdout is larger than 1048576 bytes; killed it"),
        listener.failures);
  }

  @Test
  void provide_binaryGoneAfterLoad_startFailure() throws Exception {
    respond("ecr", "", response("Image", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));
    Files.delete(bin().resolve("ecr"));

    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    assertEquals(1, listener.failures.size());
    assertTrue(
        listener.failures.get(0).startsWith("ecr start cannot start "), listener.failures.get(0));
  }

  @Test
  void provide_afterAFailure_backsOffThenRetries() throws Exception {
    Path broken = dir.resolve("broken");
    Files.writeString(broken, "");
    respond(
        "ecr",
        "[ -e '" + broken + "' ] && exit 1",
        response("Image", "0s", "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    assertEquals(Optional.of(List.of()), providers.cached(ECR_IMAGE), "backing off: no run needed");
    clock.advance(Duration.ofSeconds(9));
    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    assertEquals(1, runs("ecr"));
    assertEquals(1, listener.failures.size());

    Files.delete(broken);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(List.of(AWS), providers.provide(ECR_IMAGE));
    assertEquals(2, runs("ecr"));
  }

  @Test
  void provide_failureDoesNotEvictOtherImagesCache() throws Exception {
    respond(
        "ecr",
        "case \"$req\" in *db*) exit 1;; esac",
        response("Image", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers = load(provider("ecr", "12h", "*.dkr.ecr.*.amazonaws.com"));

    assertEquals(List.of(AWS), providers.provide(ECR_IMAGE));
    assertEquals(List.of(), providers.provide(ECR_IMAGE_2));
    assertEquals(Optional.of(List.of(AWS)), providers.cached(ECR_IMAGE));
  }

  // --- shapes ---

  @Test
  void provide_serviceAccountRequired_neverRunsAndWarnsAtLoad() throws Exception {
    respond("sa", "", response("Image", null, "*.dkr.ecr.*.amazonaws.com"));
    CredentialProviders providers =
        load(
            provider("sa", "12h", "*.dkr.ecr.*.amazonaws.com")
                + "    tokenAttributes:\n"
                + "      serviceAccountTokenAudience: aud\n"
                + "      requireServiceAccount: true\n"
                + "      cacheType: ServiceAccount\n");

    assertEquals(List.of(), providers.provide(ECR_IMAGE));
    assertEquals(0, runs("sa"));
    assertEquals(1, listener.warnings.size());
  }

  @Test
  void none_noProviders_emptyAnswersWithoutBlocking() {
    CredentialProviders none = CredentialProviders.none();
    assertTrue(none.isEmpty());
    assertEquals(Optional.of(List.of()), none.cached(ECR_IMAGE));
    assertEquals(List.of(), none.provide(ECR_IMAGE));
  }

  @Test
  void load_providers_namesInConfigOrder() throws Exception {
    respond("b", "", response("Image", null, "x.io"));
    respond("a", "", response("Image", null, "x.io"));
    CredentialProviders providers = load(provider("b", "1m", "x.io"), provider("a", "1m", "x.io"));
    assertFalse(providers.isEmpty());
    assertEquals(List.of("b", "a"), providers.providerNames());
  }
}
