package dev.berth.auth.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CredentialProviderConfigTest {
  static final String ECR =
      """
      apiVersion: kubelet.config.k8s.io/v1
      kind: CredentialProviderConfig
      providers:
        - name: ecr-credential-provider
          matchImages:
            - "*.dkr.ecr.*.amazonaws.com"
            - "*.dkr.ecr.*.amazonaws.com.cn"
          defaultCacheDuration: "12h"
          apiVersion: credentialprovider.kubelet.k8s.io/v1
          args: [get-credentials, --v=3]
          env:
            - name: AWS_PROFILE
              value: s3cr3t-profile
      """;

  @TempDir Path dir;

  private static CredentialProviderConfig parse(String text)
      throws CredentialProviderConfigException {
    return CredentialProviderConfig.parse("/etc/cp.yaml", text.getBytes(StandardCharsets.UTF_8));
  }

  /** The message of the failure to parse {@code text}; it never shows the env value. */
  private static String problem(String text) {
    CredentialProviderConfigException e =
        assertThrows(CredentialProviderConfigException.class, () -> parse(text));
    assertTrue(e.getMessage().startsWith("/etc/cp.yaml: "), e.getMessage());
    assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    return e.getMessage();
  }

  /** {@link #ECR} with one line replaced. */
  private static String ecrWith(String line, String replacement) {
    assertTrue(ECR.contains(line), line);
    return ECR.replace(line, replacement);
  }

  @Test
  void parse_ecrYaml_everyField() throws Exception {
    CredentialProviderConfig config = parse(ECR);
    assertEquals(1, config.providers().size());
    CredentialProviderConfig.Provider p = config.providers().get(0);
    assertEquals("ecr-credential-provider", p.name());
    assertEquals(
        List.of("*.dkr.ecr.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn"), p.matchImages());
    assertEquals(Duration.ofHours(12), p.defaultCacheDuration());
    assertEquals(CredentialProviderConfig.PLUGIN_API_VERSION, p.apiVersion());
    assertEquals(List.of("get-credentials", "--v=3"), p.args());
    assertEquals(
        List.of(new CredentialProviderConfig.EnvVar("AWS_PROFILE", "s3cr3t-profile")), p.env());
    assertEquals(Optional.empty(), p.tokenAttributes());
    assertTrue(p.runsWithoutServiceAccount());
    assertFalse(p.toString().contains("s3cr3t"), p.toString());
  }

  @Test
  void parse_json_sameAsYaml() throws Exception {
    CredentialProviderConfig config =
        parse(
            """
            {"apiVersion": "kubelet.config.k8s.io/v1", "kind": "CredentialProviderConfig",
             "providers": [{"name": "acr-credential-provider", "matchImages": ["*.azurecr.io"],
               "defaultCacheDuration": "10m", "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
               "args": ["/etc/kubernetes/azure.json"]}]}
            """);
    CredentialProviderConfig.Provider p = config.providers().get(0);
    assertEquals("acr-credential-provider", p.name());
    assertEquals(Duration.ofMinutes(10), p.defaultCacheDuration());
    assertEquals(List.of(), p.env());
  }

  @Test
  void parse_olderConfigApiVersions_accepted() throws Exception {
    for (String version : List.of("v1beta1", "v1alpha1")) {
      parse(
          ecrWith(
              "apiVersion: kubelet.config.k8s.io/v1",
              "apiVersion: kubelet.config.k8s.io/" + version));
    }
  }

  @Test
  void parse_tokenAttributes_readAndNeverRunWhenServiceAccountRequired() throws Exception {
    CredentialProviderConfig config =
        parse(
            ECR
                + """
                    tokenAttributes:
                      serviceAccountTokenAudience: my-audience
                      requireServiceAccount: true
                      cacheType: ServiceAccount
                      requiredServiceAccountAnnotationKeys: [domain.io/identity-id]
                """);
    CredentialProviderConfig.Provider p = config.providers().get(0);
    assertEquals("my-audience", p.tokenAttributes().orElseThrow().serviceAccountTokenAudience());
    assertFalse(p.runsWithoutServiceAccount());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        // what | line of ECR | replacement | expected problem
        "missing name|- name: ecr-credential-provider|- args0: x|providers[0].name: required",
        "name with /|- name: ecr-credential-provider|- name: a/b|providers[0].name: invalid value"
            + " \"a/b\": provider name cannot contain '/'",
        "name with space|- name: ecr-credential-provider|- name: 'a b'|providers[0].name: invalid"
            + " value \"a b\": provider name cannot contain spaces",
        "name ..|- name: ecr-credential-provider|- name: '..'|providers[0].name: invalid value"
            + " \"..\": provider name cannot be ..",
        "bad apiVersion|apiVersion: credentialprovider.kubelet.k8s.io/v1|apiVersion:"
            + " credentialprovider.kubelet.k8s.io/v1beta1|providers[0].apiVersion: unsupported"
            + " value \"credentialprovider.kubelet.k8s.io/v1beta1\"",
        "missing apiVersion|apiVersion: credentialprovider.kubelet.k8s.io/v1|x: y|"
            + "providers[0].apiVersion: required",
        "negative duration|defaultCacheDuration: \"12h\"|defaultCacheDuration: \"-1h\"|"
            + "providers[0].defaultCacheDuration: invalid value \"-1h\": defaultCacheDuration must"
            + " be greater than or equal to 0",
        "missing duration|defaultCacheDuration: \"12h\"|x: y|providers[0].defaultCacheDuration:"
            + " required",
        "number duration|defaultCacheDuration: \"12h\"|defaultCacheDuration: 0|"
            + "providers[0].defaultCacheDuration: must be a string, not number",
        "bad duration|defaultCacheDuration: \"12h\"|defaultCacheDuration: 12hours|"
            + "providers[0].defaultCacheDuration: time: unknown unit",
        "wrong kind|kind: CredentialProviderConfig|kind: KubeletConfiguration|kind: must be"
            + " CredentialProviderConfig",
        "wrong config apiVersion|apiVersion: kubelet.config.k8s.io/v1|apiVersion:"
            + " kubelet.config.k8s.io/v2|"
            + "apiVersion: unsupported value \"kubelet.config.k8s.io/v2\"",
        "unknown field|args: [get-credentials, --v=3]|argz: [x]|providers[0].argz: unknown field",
        "env without name|- name: AWS_PROFILE|- nam: AWS_PROFILE|providers[0].env[0].nam: unknown"
            + " field; providers[0].env[0].name: required",
        "env name with =|- name: AWS_PROFILE|- name: A=B|providers[0].env[0].name: invalid value"
            + " \"A=B\": must not contain '='",
        "args not strings|args: [get-credentials, --v=3]|args: [1]|providers[0].args[0]: must be a"
            + " string, not number",
      })
  void parse_invalidProvider_namesTheKey(
      String what, String line, String replacement, String expected) {
    String message = problem(ecrWith(line, replacement));
    assertTrue(message.contains(expected), message);
  }

  @Test
  void parse_emptyMatchImages_required() {
    String message =
        problem(
            ECR.replace(
                """
                    matchImages:
                      - "*.dkr.ecr.*.amazonaws.com"
                      - "*.dkr.ecr.*.amazonaws.com.cn"
                """,
                "    matchImages: []\n"));
    assertTrue(
        message.contains(
            "providers[0].matchImages: required: at least 1 item in matchImages is required"),
        message);
  }

  @Test
  void parse_invalidMatchImage_namesTheIndex() {
    String message = problem(ecrWith("- \"*.dkr.ecr.*.amazonaws.com.cn\"", "- \"reg io/x\""));
    assertTrue(message.contains("providers[0].matchImages[1]: match image is invalid:"), message);
  }

  @Test
  void parse_duplicateNames_secondNamed() {
    String second = ECR.substring(ECR.indexOf("  - name:"));
    String message = problem(ECR + second);
    assertTrue(
        message.contains("providers[1].name: duplicate value \"ecr-credential-provider\""),
        message);
  }

  @Test
  void parse_noProviders_required() {
    String message =
        problem("apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\n");
    assertTrue(message.contains("providers: required"), message);
  }

  @Test
  void parse_severalProblems_allReported() {
    String message =
        problem(
            ecrWith("- name: ecr-credential-provider", "- name: a/b")
                .replace("defaultCacheDuration: \"12h\"", "defaultCacheDuration: \"-1s\""));
    assertTrue(message.contains("providers[0].name:"), message);
    assertTrue(message.contains("providers[0].defaultCacheDuration:"), message);
  }

  @Test
  void parse_repeatedKey_rejected() {
    String message = problem(ecrWith("kind: CredentialProviderConfig", "kind: X\nkind: Y"));
    assertTrue(message.contains("Duplicate field 'kind'"), message);
  }

  @Test
  void parse_notYaml_positionWithoutContent() {
    String message = problem("providers: [\n  {name: s3cr3t-token\n");
    assertTrue(message.contains("not valid YAML at line"), message);
  }

  @Test
  void parse_notJson_positionWithoutContent() {
    String message = problem("{\"providers\": [s3cr3t-token]}");
    assertTrue(message.contains("not valid JSON at line 1"), message);
  }

  @Test
  void parse_envValueInBadConfig_neverInMessage() {
    // problem() asserts that "s3cr3t" is absent while the config holds it in an env value.
    String message =
        problem(ecrWith("value: s3cr3t-profile", "value: s3cr3t-profile\n        x: 1"));
    assertTrue(message.contains("providers[0].env[0].x: unknown field"), message);
  }

  @Test
  void read_directory_filesMergedInNameOrder() throws Exception {
    Files.writeString(
        dir.resolve("20-acr.yaml"),
        ECR.replace("ecr-credential-provider", "acr-credential-provider"));
    Files.writeString(dir.resolve("10-ecr.yaml"), ECR);
    Files.writeString(dir.resolve("README.md"), "not a config");
    CredentialProviderConfig config = CredentialProviderConfig.read(dir);
    assertEquals(
        List.of("ecr-credential-provider", "acr-credential-provider"),
        config.providers().stream().map(CredentialProviderConfig.Provider::name).toList());
  }

  @Test
  void read_directory_nameRepeatedAcrossFiles_rejected() throws Exception {
    Files.writeString(dir.resolve("a.yaml"), ECR);
    Files.writeString(dir.resolve("b.yml"), ECR);
    CredentialProviderConfigException e =
        assertThrows(
            CredentialProviderConfigException.class, () -> CredentialProviderConfig.read(dir));
    assertTrue(e.getMessage().contains("duplicate provider name \"ecr-credential-provider\""));
  }

  @Test
  void read_missingFile_namesIt() {
    Path missing = dir.resolve("nope.yaml");
    CredentialProviderConfigException e =
        assertThrows(
            CredentialProviderConfigException.class, () -> CredentialProviderConfig.read(missing));
    assertEquals(missing + ": no such file", e.getMessage());
  }

  @Test
  void load_missingBinary_configError() throws Exception {
    Path config = dir.resolve("cp.yaml");
    Files.writeString(config, ECR);
    Path bin = Files.createDirectory(dir.resolve("bin"));
    CredentialProviderConfigException e =
        assertThrows(
            CredentialProviderConfigException.class,
            () ->
                CredentialProviders.load(
                    config, bin, Clock.systemUTC(), CredentialProviders.Listener.none()));
    assertEquals(
        config
            + ": providers[0].name: plugin binary "
            + bin.resolve("ecr-credential-provider")
            + " does not exist",
        e.getMessage());
  }

  @Test
  void load_nonExecutableBinary_configError() throws Exception {
    Path config = dir.resolve("cp.yaml");
    Files.writeString(config, ECR);
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Files.writeString(bin.resolve("ecr-credential-provider"), "#!/bin/sh\n");
    CredentialProviderConfigException e =
        assertThrows(
            CredentialProviderConfigException.class,
            () ->
                CredentialProviders.load(
                    config, bin, Clock.systemUTC(), CredentialProviders.Listener.none()));
    assertTrue(e.getMessage().endsWith(" is not executable"), e.getMessage());
  }

  @Test
  void load_missingBinDir_configError() throws Exception {
    Path config = dir.resolve("cp.yaml");
    Files.writeString(config, ECR);
    CredentialProviderConfigException e =
        assertThrows(
            CredentialProviderConfigException.class,
            () ->
                CredentialProviders.load(
                    config,
                    dir.resolve("nobin"),
                    Clock.systemUTC(),
                    CredentialProviders.Listener.none()));
    assertTrue(e.getMessage().contains("plugin binary directory"), e.getMessage());
  }
}
