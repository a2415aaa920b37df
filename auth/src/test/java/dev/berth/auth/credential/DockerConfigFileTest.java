package dev.berth.auth.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.auth.gostd.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DockerConfigFileTest {
  private static final String SOURCE = "/etc/berth/config.json";

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static String raw64(String s) {
    return Base64.getEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static DockerConfigFile parse(String json) throws DockerConfigException {
    return DockerConfigFile.parse(SOURCE, json);
  }

  private static List<Credential> only(String entryJson) throws DockerConfigException {
    DockerConfigFile file = parse("{\"auths\": {\"reg.io\": " + entryJson + "}}");
    assertEquals(1, file.entries().size());
    assertEquals("reg.io", file.entries().get(0).key());
    return file.entries().get(0).credentials();
  }

  private static DockerConfigFile resource(String name) throws Exception {
    return DockerConfigFile.read(resourcePath(name));
  }

  static Path resourcePath(String name) throws URISyntaxException {
    return Path.of(
        Objects.requireNonNull(DockerConfigFileTest.class.getResource("/credential/" + name), name)
            .toURI());
  }

  // ---- good files of each shape ----

  @Test
  void read_configJson_allEntryKindsAndWarnings() throws Exception {
    DockerConfigFile file = resource("config.json");
    assertEquals(DockerConfigFile.Format.CONFIG_JSON, file.format());
    assertEquals(
        List.of(
            new DockerConfigFile.Entry(
                "https://index.docker.io/v1/",
                List.of(Credential.basic("hubuser", "hub-pass-9f3a"))),
            new DockerConfigFile.Entry(
                "registry.example.com:5000", List.of(Credential.basic("ci", "ci-pass-77b1"))),
            // auth "octo:" only carries the user name of the identity token.
            new DockerConfigFile.Entry(
                "ghcr.io", List.of(Credential.identityToken("octo", "idtok-5d2e"))),
            new DockerConfigFile.Entry(
                "*.internal.example", List.of(Credential.registryToken("regtok-0c4f")))),
        file.entries());
    String path = resourcePath("config.json").toString();
    assertEquals(
        List.of(
            path
                + ": credsStore \"desktop\" is not supported (nor by the kubelet): credentials kept"
                + " by docker-credential-desktop are not used",
            path
                + ": credHelpers for [\"gcr.io\"] are not supported (nor by the kubelet): those"
                + " registries get no credentials from credential helpers"),
        file.warnings());
    assertEquals(path, file.source());
  }

  @Test
  void read_legacyDockercfg_bareMap() throws Exception {
    DockerConfigFile file = resource("dockercfg");
    assertEquals(DockerConfigFile.Format.DOCKERCFG, file.format());
    assertEquals(
        List.of(
            new DockerConfigFile.Entry(
                "https://quay.io/v1/", List.of(Credential.basic("quayuser", "quay-pass-1e8d"))),
            new DockerConfigFile.Entry(
                "registry.example.com/team", List.of(Credential.basic("team", "team-pass-42aa")))),
        file.entries());
    assertEquals(List.of(), file.warnings());
  }

  @Test
  void read_secretManifestDockerconfigjson() throws Exception {
    DockerConfigFile file = resource("secret-dockerconfigjson.json");
    assertEquals(DockerConfigFile.Format.SECRET_DOCKERCONFIGJSON, file.format());
    assertEquals(
        List.of(
            new DockerConfigFile.Entry(
                "registry.example.com", List.of(Credential.basic("pod", "pod-pass-8c1b")))),
        file.entries());
  }

  @Test
  void read_secretManifestDockercfg() throws Exception {
    DockerConfigFile file = resource("secret-dockercfg.json");
    assertEquals(DockerConfigFile.Format.SECRET_DOCKERCFG, file.format());
    assertEquals(
        List.of(
            new DockerConfigFile.Entry(
                "legacy.example.com", List.of(Credential.basic("old", "old-pass-3f9c")))),
        file.entries());
  }

  @Test
  void read_mountedDockerconfigjsonKey_isTheConfigJsonShape() throws Exception {
    DockerConfigFile file = resource("mounted-dockerconfigjson");
    assertEquals(DockerConfigFile.Format.CONFIG_JSON, file.format());
    assertEquals(
        List.of(Credential.basic("pod", "pod-pass-8c1b")), file.entries().get(0).credentials());
  }

  @Test
  void parse_secretStringData_winsOverData() throws Exception {
    String inner = "{\"auths\": {\"reg.io\": {\"username\": \"u\", \"password\": \"p\"}}}";
    String json =
        "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockerconfigjson\", \"data\":"
            + " {\".dockerconfigjson\": \"!!not base64\"}, \"stringData\": {\".dockerconfigjson\": "
            + Json.quote(inner)
            + "}}";
    assertEquals(List.of(Credential.basic("u", "p")), parse(json).entries().get(0).credentials());
  }

  @Test
  void parse_keyringAcceptsEverythingParsed() throws Exception {
    CredentialKeyring keyring =
        CredentialKeyring.builder()
            .addAll(resource("config.json"))
            .addAll(resource("dockercfg"))
            .build();
    assertEquals(
        List.of(Credential.basic("hubuser", "hub-pass-9f3a")),
        keyring.lookup("docker.io/library/nginx"));
    assertEquals(
        List.of(Credential.registryToken("regtok-0c4f")),
        keyring.lookup("cache.internal.example/app"));
    assertEquals(
        List.of(Credential.basic("quayuser", "quay-pass-1e8d")), keyring.lookup("quay.io/org/app"));
  }

  // ---- entry fields (§3.6) ----

  @Test
  void entry_paddedAuth_decodedWithStdEncoding() throws Exception {
    assertTrue(b64("user:pass1").endsWith("=="));
    assertEquals(
        List.of(Credential.basic("user", "pass1")),
        only("{\"auth\": \"" + b64("user:pass1") + "\"}"));
  }

  @Test
  void entry_unpaddedAuth_decodedWithRawStdEncoding() throws Exception {
    assertEquals("dXNlcjpwYXNzMQ", raw64("user:pass1"));
    assertEquals(
        List.of(Credential.basic("user", "pass1")),
        only("{\"auth\": \"" + raw64("user:pass1") + "\"}"));
  }

  @Test
  void entry_authWithLineBreaks_decodedLikeGo() throws Exception {
    String auth = b64("a-rather-long-user-name:a-rather-long-password");
    String wrapped = auth.substring(0, 20) + "\\r\\n" + auth.substring(20);
    assertEquals(
        List.of(Credential.basic("a-rather-long-user-name", "a-rather-long-password")),
        only("{\"auth\": \"" + wrapped + "\"}"));
  }

  @Test
  void entry_auth_splitAtFirstColon() throws Exception {
    assertEquals(
        List.of(Credential.basic("user", "pa:ss:word")),
        only("{\"auth\": \"" + b64("user:pa:ss:word") + "\"}"));
  }

  @Test
  void entry_auth_trailingNulsTrimmedFromPassword() throws Exception {
    assertEquals(
        List.of(Credential.basic("user", "pa\0ss")),
        only("{\"auth\": \"" + b64("user:pa\0ss\0\0") + "\"}"));
  }

  @Test
  void entry_auth_overridesUsernameAndPassword() throws Exception {
    assertEquals(
        List.of(Credential.basic("from-auth", "auth-pw")),
        only(
            "{\"username\": \"field\", \"password\": \"field-pw\", \"auth\": \""
                + b64("from-auth:auth-pw")
                + "\"}"));
  }

  @Test
  void entry_emptyAuth_usesUsernameAndPassword() throws Exception {
    assertEquals(
        List.of(Credential.basic("field", "field-pw")),
        only("{\"username\": \"field\", \"password\": \"field-pw\", \"auth\": \"\"}"));
  }

  @Test
  void entry_usernameOnly_basicWithEmptyPassword() throws Exception {
    assertEquals(List.of(Credential.basic("robot", "")), only("{\"username\": \"robot\"}"));
  }

  @Test
  void entry_allKinds_inDockerPrecedenceOrder() throws Exception {
    assertEquals(
        List.of(
            new Credential("u", "reg-tok", Credential.Kind.REGISTRY_TOKEN),
            Credential.identityToken("u", "id-tok"),
            Credential.basic("u", "pw")),
        only(
            "{\"username\": \"u\", \"password\": \"pw\", \"identitytoken\": \"id-tok\","
                + " \"registrytoken\": \"reg-tok\"}"));
  }

  @Test
  void entry_identityTokenWithoutUser_emptyUsername() throws Exception {
    assertEquals(
        List.of(Credential.identityToken("", "id-tok")), only("{\"identitytoken\": \"id-tok\"}"));
  }

  @Test
  void entry_fieldNames_caseInsensitiveLastWinsLikeGo() throws Exception {
    assertEquals(
        List.of(Credential.basic("second", "PW")),
        only(
            "{\"Username\": \"first\", \"USERNAME\": \"second\", \"PassWord\": \"PW\","
                + " \"EMAIL\": \"x@example.com\"}"));
    DockerConfigFile file = parse("{\"Auths\": {\"reg.io\": {\"username\": \"u\"}}}");
    assertEquals(DockerConfigFile.Format.CONFIG_JSON, file.format());
    assertEquals(1, file.entries().size());
  }

  @Test
  void entry_nullFields_countAsAbsent() throws Exception {
    assertEquals(
        List.of(Credential.basic("u", "p")),
        only(
            "{\"username\": \"u\", \"password\": \"p\", \"auth\": null, \"identitytoken\": null}"));
  }

  @Test
  void entry_unknownFields_ignored() throws Exception {
    assertEquals(
        List.of(Credential.basic("u", "p")),
        only(
            "{\"username\": \"u\", \"password\": \"p\", \"email\": \"e@x\", \"serveraddress\":"
                + " \"https://reg.io\", \"extra\": {\"nested\": [1, 2]}}"));
  }

  @Test
  void parse_nullAuths_noEntriesNoWarning() throws Exception {
    DockerConfigFile file = parse("{\"auths\": null}");
    assertEquals(List.of(), file.entries());
    assertEquals(List.of(), file.warnings());
  }

  @Test
  void parse_configJsonWithoutAuths_warns() throws Exception {
    DockerConfigFile file = parse("{\"credsStore\": \"osxkeychain\"}");
    assertEquals(List.of(), file.entries());
    assertEquals(2, file.warnings().size());
    assertEquals(
        SOURCE + ": no \"auths\" object: the file holds no credentials", file.warnings().get(1));
  }

  @Test
  void parse_emptyObject_noEntries() throws Exception {
    assertEquals(List.of(), parse("{}").entries());
  }

  @Test
  void parse_keyTheKeyringCannotUse_warns() throws Exception {
    DockerConfigFile file = parse("{\"auths\": {\"reg.io:abc\": {\"username\": \"u\"}}}");
    assertEquals(1, file.entries().size());
    assertEquals(
        List.of(
            SOURCE
                + ": config key \"reg.io:abc\" is not a valid URL (invalid port \":abc\" after"
                + " host); its credentials are ignored"),
        file.warnings());
  }

  @Test
  void toString_namesKeysNotSecrets() throws Exception {
    DockerConfigFile file =
        parse("{\"auths\": {\"reg.io\": {\"username\": \"u\", \"password\": \"s3cr3t\"}}}");
    assertEquals("DockerConfigFile[" + SOURCE + ", CONFIG_JSON, keys=[reg.io]]", file.toString());
  }

  // ---- broken files ----

  static Stream<Arguments> brokenFiles() {
    String secret = "s3cr3t-pw";
    String goodAuth = b64("user:" + secret);
    return Stream.of(
        Arguments.of(
            "not JSON",
            "{\"auths\": {\"reg.io\": {\"auth\": \"" + goodAuth + "\"}",
            "invalid JSON at line 1, column 54: unexpected end of input inside an object"),
        Arguments.of(
            "password not quoted",
            "{\"auths\": {\"reg.io\": {\"password\": s3cr3t-pw}}}",
            "invalid JSON at line 1, column 35: unexpected character, expected a value"),
        Arguments.of(
            "top-level array", "[]", "expected a JSON object at the top level, found array"),
        Arguments.of(
            "auths not an object", "{\"auths\": []}", "auths: expected an object, found array"),
        Arguments.of(
            "entry not an object",
            "{\"auths\": {\"reg.io\": \"" + secret + "\"}}",
            "auths[\"reg.io\"]: expected an object, found string"),
        Arguments.of(
            "field of the wrong type",
            "{\"auths\": {\"reg.io\": {\"username\": \"u\", \"password\": 12345}}}",
            "auths[\"reg.io\"].password: expected a string, found number"),
        Arguments.of(
            "field of the wrong type, as written",
            "{\"auths\": {\"reg.io\": {\"Auth\": [\"" + goodAuth + "\"]}}}",
            "auths[\"reg.io\"].Auth: expected a string, found array"),
        Arguments.of(
            "auth not base64",
            "{\"auths\": {\"registry.io\": {\"auth\": \"" + secret + "!\"}}}",
            "auths[\"registry.io\"].auth: not valid base64"),
        Arguments.of(
            "auth with bad padding",
            "{\"auths\": {\"registry.io\": {\"auth\": \"" + goodAuth + "=\"}}}",
            "auths[\"registry.io\"].auth: not valid base64"),
        Arguments.of(
            "auth with '=' inside",
            "{\"auths\": {\"registry.io\": {\"auth\": \"" + b64("u:" + secret) + "QQ\"}}}",
            "auths[\"registry.io\"].auth: not valid base64"),
        Arguments.of(
            "auth with a space",
            "{\"auths\": {\"registry.io\": {\"auth\": \" " + goodAuth + "\"}}}",
            "auths[\"registry.io\"].auth: not valid base64"),
        Arguments.of(
            "auth without a colon",
            "{\"auths\": {\"reg.io\": {\"auth\": \"" + b64(secret) + "\"}}}",
            "auths[\"reg.io\"].auth: decoded value is not username:password (no ':')"),
        Arguments.of(
            "auth not UTF-8",
            "{\"auths\": {\"reg.io\": {\"auth\": \""
                + Base64.getEncoder().encodeToString(new byte[] {'u', ':', (byte) 0xff, 's'})
                + "\"}}}",
            "auths[\"reg.io\"].auth: not valid UTF-8 (at byte offset 2)"),
        Arguments.of(
            "auth with NUL in the user name",
            "{\"auths\": {\"reg.io\": {\"auth\": \"" + b64("u\0x:" + secret) + "\"}}}",
            "auths[\"reg.io\"]: username: must not contain NUL"),
        Arguments.of(
            "empty entry",
            "{\"auths\": {\"reg.io\": {}}}",
            "auths[\"reg.io\"]: no usable credential (expected auth, username/password,"
                + " identitytoken or registrytoken)"),
        Arguments.of(
            "entry with only an email",
            "{\"auths\": {\"reg.io\": {\"email\": \"a@b\", \"password\": \"\"}}}",
            "auths[\"reg.io\"]: no usable credential (expected auth, username/password,"
                + " identitytoken or registrytoken)"),
        Arguments.of(
            "null entry",
            "{\"auths\": {\"reg.io\": null}}",
            "auths[\"reg.io\"]: no usable credential (expected auth, username/password,"
                + " identitytoken or registrytoken)"),
        Arguments.of(
            "userinfo in the key",
            "{\"auths\": {\"bob:" + secret + "@reg.io\": {}}}",
            "auths[\"***@reg.io\"]: no usable credential (expected auth, username/password,"
                + " identitytoken or registrytoken)"),
        Arguments.of(
            "legacy entry with bad auth",
            "{\"reg.io\": {\"auth\": \"" + secret + "!\"}}",
            "[\"reg.io\"].auth: not valid base64"),
        Arguments.of(
            "legacy entry not an object",
            "{\"reg.io\": 5}",
            "[\"reg.io\"]: expected an object, found number"),
        Arguments.of(
            "not a Secret",
            "{\"kind\": \"ConfigMap\", \"data\": {}}",
            "kind: expected \"Secret\", found \"ConfigMap\""),
        Arguments.of(
            "Opaque Secret",
            "{\"kind\": \"Secret\", \"type\": \"Opaque\", \"data\": {}}",
            "type: unsupported Secret type \"Opaque\" (the kubelet reads only"
                + " kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg)"),
        Arguments.of(
            "Secret without type",
            "{\"kind\": \"Secret\", \"data\": {}}",
            "type: unsupported Secret type null (the kubelet reads only"
                + " kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg)"),
        Arguments.of(
            "Secret without its key",
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockerconfigjson\", \"data\":"
                + " {\".dockercfg\": \"e30=\"}}",
            "data[\".dockerconfigjson\"]: missing; a \"kubernetes.io/dockerconfigjson\" Secret must"
                + " have it"),
        Arguments.of(
            "Secret data not an object",
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockercfg\", \"data\": \"x\"}",
            "data: expected an object, found string"),
        Arguments.of(
            "Secret data not base64",
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockerconfigjson\", \"data\":"
                + " {\".dockerconfigjson\": \"{"
                + secret
                + "}\"}}",
            "data[\".dockerconfigjson\"]: not valid base64"),
        Arguments.of(
            "Secret data empty",
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockerconfigjson\", \"data\":"
                + " {\".dockerconfigjson\": \"\"}}",
            "data[\".dockerconfigjson\"]: is empty"),
        Arguments.of(
            "Secret data not JSON",
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockerconfigjson\", \"data\":"
                + " {\".dockerconfigjson\": \""
                + b64("{\"auths\": " + secret)
                + "\"}}",
            "data[\".dockerconfigjson\"]: invalid JSON at line 1, column 11: unexpected"
                + " character, expected a value"),
        Arguments.of(
            "Secret with a bad entry",
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockerconfigjson\", \"data\":"
                + " {\".dockerconfigjson\": \""
                + b64("{\"auths\": {\"reg.io\": {\"auth\": \"" + secret + "!\"}}}")
                + "\"}}",
            "data[\".dockerconfigjson\"]: auths[\"reg.io\"].auth: not valid base64"),
        Arguments.of(
            "dockercfg Secret with a bad entry",
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockercfg\", \"data\":"
                + " {\".dockercfg\": \""
                + b64("{\"reg.io\": {}}")
                + "\"}}",
            "data[\".dockercfg\"]: [\"reg.io\"]: no usable credential (expected auth,"
                + " username/password, identitytoken or registrytoken)"),
        Arguments.of(
            "Secret stringData not a string",
            "{\"kind\": \"Secret\", \"type\": \"kubernetes.io/dockercfg\", \"stringData\":"
                + " {\".dockercfg\": {\"reg.io\": {}}}}",
            "stringData[\".dockercfg\"]: expected a string, found object"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenFiles")
  void parse_brokenFile_messageNamesFileAndKeyWithoutSecret(
      String description, String json, String expected) {
    DockerConfigException e = assertThrows(DockerConfigException.class, () -> parse(json));
    assertEquals(SOURCE + ": " + expected, e.getMessage());
    assertEquals(SOURCE, e.file());
    assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    assertFalse(e.getMessage().contains(b64("user:s3cr3t-pw")), e.getMessage());
    assertFalse(e.getMessage().contains(raw64("s3cr3t-pw")), e.getMessage());
  }

  @Test
  void parse_exceptionParts_locationAndProblem() {
    DockerConfigException e =
        assertThrows(
            DockerConfigException.class,
            () -> parse("{\"auths\": {\"registry.io\": {\"auth\": \"!!\"}}}"));
    assertEquals(
        "/etc/berth/config.json: auths[\"registry.io\"].auth: not valid base64", e.getMessage());
    assertEquals("auths[\"registry.io\"].auth", e.location());
    assertEquals("not valid base64", e.problem());
  }

  @Test
  void parse_invalidUtf8_rejectedWithOffset() {
    byte[] content = "{\"auths\": {\"r\u00e9g.io\": {}}}".getBytes(StandardCharsets.ISO_8859_1);
    DockerConfigException e =
        assertThrows(DockerConfigException.class, () -> DockerConfigFile.parse(SOURCE, content));
    assertEquals(SOURCE + ": not valid UTF-8 (at byte offset 13)", e.getMessage());
  }

  @Test
  void read_missingFile_noSuchFile(@TempDir Path dir) {
    assertThrows(NoSuchFileException.class, () -> DockerConfigFile.read(dir.resolve("none.json")));
  }

  @Test
  void read_tooLarge_rejected(@TempDir Path dir) throws IOException {
    Path big = dir.resolve("big.json");
    byte[] content = new byte[DockerConfigFile.MAX_SIZE + 1];
    java.util.Arrays.fill(content, (byte) ' ');
    Files.write(big, content);
    DockerConfigException e =
        assertThrows(DockerConfigException.class, () -> DockerConfigFile.read(big));
    assertEquals(
        big + ": larger than " + DockerConfigFile.MAX_SIZE + " bytes; not a credential file",
        e.getMessage());
  }

  @Test
  void resources_containTheSecretsTheTestsLookFor() throws Exception {
    // Guards the "never in a message" tests: the secrets really are in the inputs.
    try (InputStream in = Files.newInputStream(resourcePath("config.json"))) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(text.contains("ci-pass-77b1"));
    }
  }
}
