package dev.berth.proxy.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KubernetesImagesTest {
  @TempDir Path dir;

  @Test
  void read_pod_givesContainersInitAndEphemeral() {
    List<ImageUse> uses =
        read(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: x
            spec:
              initContainers:
                - name: init
                  image: busybox:1.36
              containers:
                - name: app
                  image: nginx:1.27
                - name: sidecar
                  image: "  envoyproxy/envoy:v1.30  "
              ephemeralContainers:
                - name: debugger
                  image: ghcr.io/example/debug@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            """);

    assertEquals(
        List.of(
            new ImageUse("nginx:1.27", "k.yaml doc 1: Pod/x container app"),
            new ImageUse("envoyproxy/envoy:v1.30", "k.yaml doc 1: Pod/x container sidecar"),
            new ImageUse("busybox:1.36", "k.yaml doc 1: Pod/x initContainer init"),
            new ImageUse(
                "ghcr.io/example/debug@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "k.yaml doc 1: Pod/x ephemeralContainer debugger")),
        uses);
  }

  @ParameterizedTest
  @CsvSource({
    "Deployment, spec.template.spec",
    "DaemonSet, spec.template.spec",
    "StatefulSet, spec.template.spec",
    "ReplicaSet, spec.template.spec",
    "ReplicationController, spec.template.spec",
    "Job, spec.template.spec",
    "CronJob, spec.jobTemplate.spec.template.spec",
    "PodTemplate, template.spec",
    "Pod, spec"
  })
  void read_workloadKind_findsPodSpecAtItsPath(String kind, String path) {
    String yaml =
        "kind: "
            + kind
            + "\nmetadata:\n  name: w\n"
            + nested(path, "containers: [{name: app, image: app:1}]");

    assertEquals(
        List.of(new ImageUse("app:1", "k.yaml doc 1: " + kind + "/w container app")), read(yaml));
  }

  @Test
  void read_multipleDocuments_keepsFirstSeenOrderWithoutDuplicates() {
    List<ImageUse> uses =
        read(
            """
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                spec:
                  initContainers: [{name: migrate, image: web:2}]
                  containers: [{name: app, image: web:2}, {name: proxy, image: nginx}]
            ---
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
            ---
            kind: DaemonSet
            metadata: {name: agent}
            spec:
              template:
                spec:
                  containers: [{name: agent, image: agent:1}, {name: proxy, image: nginx}]
            """);

    assertEquals(
        List.of(
            new ImageUse("web:2", "k.yaml doc 1: Deployment/web container app"),
            new ImageUse("nginx", "k.yaml doc 1: Deployment/web container proxy"),
            new ImageUse("agent:1", "k.yaml doc 3: DaemonSet/agent container agent")),
        uses);
  }

  @Test
  void read_emptyAndNonWorkloadDocuments_areSkippedButCounted() {
    List<ImageUse> uses =
        read(
            """
            ---
            # nothing but a comment
            ---
            kind: ConfigMap
            metadata: {name: settings}
            data: {image: not-an-image}
            ---
            ---
            kind: Secret
            metadata: {name: s}
            ---
            just a string
            ---
            - a
            - list
            ---
            metadata: {name: no-kind}
            spec: {containers: [{image: ignored}]}
            ---
            kind: Pod
            metadata: {name: last}
            spec: {containers: [{name: c, image: last:1}]}
            ---
            """);

    assertEquals(List.of(new ImageUse("last:1", "k.yaml doc 8: Pod/last container c")), uses);
  }

  @Test
  void read_emptyInput_givesNothing() {
    assertEquals(List.of(), read(""));
    assertEquals(List.of(), read("\n# only a comment\n"));
  }

  @Test
  void read_list_visitsItemsRecursively() {
    List<ImageUse> uses =
        read(
            """
            apiVersion: v1
            kind: List
            items:
              - kind: Service
                metadata: {name: web}
              - kind: Deployment
                metadata: {name: web}
                spec: {template: {spec: {containers: [{name: app, image: web:1}]}}}
              - kind: List
                items:
                  - kind: CronJob
                    metadata: {name: nightly}
                    spec:
                      jobTemplate:
                        spec:
                          template:
                            spec: {containers: [{name: job, image: batch:3}]}
            """);

    assertEquals(
        List.of(
            new ImageUse("web:1", "k.yaml doc 1 item 2: Deployment/web container app"),
            new ImageUse("batch:3", "k.yaml doc 1 item 3 item 1: CronJob/nightly container job")),
        uses);
  }

  @Test
  void read_typedListWithoutItemKinds_usesTheListsElementKind() {
    // The API server's own DeploymentList leaves kind out of its items.
    List<ImageUse> uses =
        read(
            """
            apiVersion: apps/v1
            kind: DeploymentList
            items:
              - metadata: {name: a}
                spec: {template: {spec: {containers: [{name: app, image: a:1}]}}}
              - kind: Deployment
                metadata: {name: b}
                spec: {template: {spec: {containers: [{name: app, image: b:1}]}}}
            ---
            kind: PodList
            items:
              - metadata: {name: p}
                spec: {containers: [{name: c, image: p:1}]}
            ---
            kind: ServiceList
            items:
              - metadata: {name: s}
                spec: {ports: [{port: 80}]}
            """);

    assertEquals(
        List.of(
            new ImageUse("a:1", "k.yaml doc 1 item 1: Deployment/a container app"),
            new ImageUse("b:1", "k.yaml doc 1 item 2: Deployment/b container app"),
            new ImageUse("p:1", "k.yaml doc 2 item 1: Pod/p container c")),
        uses);
  }

  @Test
  void read_json_givesSameAsYaml() {
    // Tab indentation, as JSON files often have, is not allowed in YAML.
    List<ImageUse> uses =
        read(
            "\uFEFF\n{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"List\",\n\t\"items\": [\n"
                + "\t\t{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\"},\n"
                + "\t\t \"spec\": {\"containers\": [{\"name\": \"app\", \"image\": \"app:1\"}]}}\n"
                + "\t]\n}\n"
                + "{\"kind\": \"Job\", \"metadata\": {\"name\": \"j\"}, \"spec\": {\"template\":"
                + " {\"spec\": {\"containers\": [{\"name\": \"run\", \"image\": \"app:1\"},"
                + " {\"name\": \"side\", \"image\": \"side:2\"}]}}}}\n");

    assertEquals(
        List.of(
            new ImageUse("app:1", "k.yaml doc 1 item 1: Pod/x container app"),
            new ImageUse("side:2", "k.yaml doc 2: Job/j container side")),
        uses);
  }

  @Test
  void read_unnamedContainerAndObject_saysWhichOne() {
    List<ImageUse> uses =
        read(
            """
            kind: Job
            metadata: {generateName: backup-}
            spec: {template: {spec: {containers: [{image: a:1}, {image: b:1}]}}}
            ---
            kind: Pod
            spec: {containers: [{image: c:1}]}
            """);

    assertEquals(
        List.of(
            new ImageUse("a:1", "k.yaml doc 1: Job/backup-* container #1"),
            new ImageUse("b:1", "k.yaml doc 1: Job/backup-* container #2"),
            new ImageUse("c:1", "k.yaml doc 2: Pod/(unnamed) container #1")),
        uses);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{name: app}" + "| k.yaml doc 2: Deployment/web container app has no image",
        "{name: app, image: null}" + "| k.yaml doc 2: Deployment/web container app has no image",
        "{name: app, image: '   '}"
            + "| k.yaml doc 2: Deployment/web container app has a blank image",
        "{name: app, image: 1.5}"
            + "| k.yaml doc 2: Deployment/web container app: image must be a string, not the number"
            + " 1.5 (quote it)",
        "{name: app, image: false}"
            + "| k.yaml doc 2: Deployment/web container app: image must be a string, not the"
            + " boolean false (quote it)",
        "{name: app, image: [a, b]}"
            + "| k.yaml doc 2: Deployment/web container app: image must be a string, not a list",
        "{name: app, image: {repo: a}}"
            + "| k.yaml doc 2: Deployment/web container app: image must be a string, not a map",
        "just-a-string"
            + "| k.yaml doc 2: Deployment/web: spec.template.spec.containers entry 1 must be a map"
      })
  void read_containerWithoutUsableImage_namesDocumentObjectAndContainer(
      String container, String message) {
    String yaml =
        "kind: Service\nmetadata: {name: web}\n---\n"
            + "kind: Deployment\nmetadata: {name: web}\n"
            + "spec: {template: {spec: {containers: ["
            + container
            + "]}}}\n";

    PrefetchInputException e = assertThrows(PrefetchInputException.class, () -> read(yaml));

    assertEquals(message, e.getMessage());
  }

  @Test
  void read_badImageInInitContainerOfListItem_namesItem() {
    String yaml =
        """
        kind: List
        items:
          - kind: Pod
            metadata: {name: x}
            spec:
              containers: [{name: app, image: a:1}]
              initContainers: [{name: init}]
        """;

    PrefetchInputException e = assertThrows(PrefetchInputException.class, () -> read(yaml));

    assertEquals("k.yaml doc 1 item 1: Pod/x initContainer init has no image", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "kind: Deployment\\nmetadata: {name: d}\\nspec: {replicas: 2}"
            + "| k.yaml doc 1: Deployment/d has no pod spec (a map at spec.template.spec)",
        "kind: CronJob\\nmetadata: {name: c}\\nspec: {jobTemplate: {spec: {template: []}}}"
            + "| k.yaml doc 1: CronJob/c has no pod spec (a map at"
            + " spec.jobTemplate.spec.template.spec)",
        "kind: Pod\\nmetadata: {name: p}\\nspec: {restartPolicy: Never}"
            + "| k.yaml doc 1: Pod/p has no spec.containers",
        "kind: Pod\\nmetadata: {name: p}\\nspec: {containers: {image: a}}"
            + "| k.yaml doc 1: Pod/p: spec.containers must be a list",
        "kind: Pod\\nmetadata: {name: p}\\nspec: {containers: [{image: a}], initContainers: x}"
            + "| k.yaml doc 1: Pod/p: spec.initContainers must be a list",
        "kind: List\\nitems: {kind: Pod}" + "| k.yaml doc 1: List items must be a list"
      })
  void read_malformedWorkload_namesDocumentAndObject(String yaml, String message) {
    PrefetchInputException e =
        assertThrows(PrefetchInputException.class, () -> read(yaml.replace("\\n", "\n")));

    assertEquals(message, e.getMessage());
  }

  @Test
  void read_invalidYaml_namesDocumentAndLine() {
    String yaml =
        """
        kind: Pod
        metadata: {name: a}
        spec: {containers: [{name: c, image: a:1}]}
        ---
        ---
        kind: Pod
        metadata:
          name: b
         labels: {broken: indentation}
        """;

    PrefetchInputException e = assertThrows(PrefetchInputException.class, () -> read(yaml));

    assertTrue(e.getMessage().startsWith("k.yaml doc 3: not valid YAML at line 9"), e.getMessage());
  }

  @Test
  void read_unclosedFlowInMiddleDocument_namesThatDocument() {
    String yaml = "kind: Service\n---\nkind: Pod\nspec: {containers: [\n---\nkind: Service\n";

    PrefetchInputException e = assertThrows(PrefetchInputException.class, () -> read(yaml));

    assertTrue(e.getMessage().startsWith("k.yaml doc 2: not valid YAML"), e.getMessage());
  }

  @Test
  void read_duplicateKey_isAnError() {
    String yaml =
        "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
            + "    - name: c\n      image: a:1\n      image: b:1\n";

    PrefetchInputException e = assertThrows(PrefetchInputException.class, () -> read(yaml));

    assertTrue(e.getMessage().startsWith("k.yaml doc 1: not valid YAML"), e.getMessage());
    assertTrue(e.getMessage().contains("'image'"), e.getMessage());
  }

  @Test
  void read_invalidJson_namesDocumentAndLine() {
    String json = "{\"kind\": \"Service\"}\n{\n\t\"kind\": \"Pod\",\n\t\"spec\": {,}\n}\n";

    PrefetchInputException e = assertThrows(PrefetchInputException.class, () -> read(json));

    assertTrue(e.getMessage().startsWith("k.yaml doc 2: not valid JSON at line 4"), e.getMessage());
  }

  @Test
  void read_file_namesFileInSources() throws IOException {
    Path file = dir.resolve("manifests.yaml");
    Files.writeString(
        file,
        "---\nkind: Service\n---\nkind: Pod\nmetadata: {name: x}\n"
            + "spec: {containers: [{name: c, image: a:1}], initContainers: [{name: init, image:"
            + " b:1}]}\n");

    assertEquals(
        List.of(
            new ImageUse("a:1", file + " doc 2: Pod/x container c"),
            new ImageUse("b:1", file + " doc 2: Pod/x initContainer init")),
        KubernetesImages.read(file));
  }

  @Test
  void read_missingFile_namesFile() {
    Path file = dir.resolve("absent.yaml");

    PrefetchInputException e =
        assertThrows(PrefetchInputException.class, () -> KubernetesImages.read(file));

    assertEquals("cannot read " + file + ": no such file", e.getMessage());
  }

  @Test
  void read_largeStream_isNotLimitedToSnakeYamlDefault() {
    // More than SnakeYAML's default 3 MiB limit, which Jackson applies to the whole stream.
    StringBuilder yaml = new StringBuilder();
    String padding = "x".repeat(1000);
    for (int i = 0; i < 4000; i++) {
      yaml.append("---\nkind: ConfigMap\ndata: {a: ").append(padding).append("}\n");
    }
    yaml.append("---\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: a}]}\n");

    assertEquals(
        List.of(new ImageUse("a", "k.yaml doc 4001: Pod/p container c")), read(yaml.toString()));
  }

  @Test
  void read_stream_isNotClosed() {
    boolean[] closed = {false};
    InputStream in =
        new ByteArrayInputStream(
            "kind: Pod\nspec: {containers: [{image: a}]}\n".getBytes(StandardCharsets.UTF_8)) {
          @Override
          public void close() {
            closed[0] = true;
          }
        };

    KubernetesImages.read("stdin", in);

    assertFalse(closed[0]);
  }

  private static List<ImageUse> read(String text) {
    return KubernetesImages.read(
        "k.yaml", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** {@code a.b.c} around {@code leaf} as nested flow maps: {@code a: {b: {c: {leaf}}}}. */
  private static String nested(String path, String leaf) {
    String[] fields = path.split("\\.");
    StringBuilder yaml = new StringBuilder();
    for (String field : fields) {
      yaml.append(field).append(": {");
    }
    yaml.append(leaf);
    yaml.append("}".repeat(fields.length));
    return yaml + "\n";
  }
}
