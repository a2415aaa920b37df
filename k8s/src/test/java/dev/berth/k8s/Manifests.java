package dev.berth.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.berth.proxy.e2e.Command;
import dev.berth.proxy.e2e.E2eTools;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The objects an overlay renders to: {@code kubectl kustomize <overlay>} (kustomize as built into
 * kubectl, major version {@value #KUSTOMIZE_MAJOR}; CI pins kubectl 1.33.9 with kustomize v5.6.0,
 * {@code k8s/tools/kubectl.sh}), each document read into fabric8's typed model and refused when it
 * holds a field the model does not know (fabric8 keeps those in {@code additionalProperties}
 * instead of failing, so this walks every object to find them): a misspelt or misplaced key fails
 * here, not on a cluster.
 */
final class Manifests {
  /** kubectl's kustomize; the output format of v5 is what the tests read. */
  static final String KUSTOMIZE_MAJOR = "v5";

  static final Path K8S = Path.of(System.getProperty("berth.k8s.dir", "."));

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Manifests() {}

  /** Renders {@code k8s/<overlay>} and reads every object. */
  static List<HasMetadata> render(String overlay) throws IOException, InterruptedException {
    String kubectl = kubectl();
    String version = run(List.of(kubectl, "version", "--client", "-o", "json"));
    String kustomize = YAML.readTree(version).path("kustomizeVersion").asText();
    if (!kustomize.startsWith(KUSTOMIZE_MAJOR + ".")) {
      throw new AssertionError(
          "kubectl's kustomize is " + kustomize + ", the tests are written for " + KUSTOMIZE_MAJOR);
    }
    String rendered = run(List.of(kubectl, "kustomize", K8S.resolve(overlay).toString()));
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : rendered.split("(?m)^---\\s*$")) {
      if (doc.isBlank()) {
        continue;
      }
      KubernetesResource resource = YAML.readValue(doc, KubernetesResource.class);
      if (!(resource instanceof HasMetadata object)) {
        throw new AssertionError("not a Kubernetes object: " + doc);
      }
      List<String> unknown = new ArrayList<>();
      unknownFields(
          object,
          object.getKind() + "/" + object.getMetadata().getName(),
          unknown,
          new IdentityHashMap<>());
      if (!unknown.isEmpty()) {
        throw new AssertionError("fields the Kubernetes API does not know: " + unknown);
      }
      objects.add(object);
    }
    return objects;
  }

  /**
   * The kubectl to render with: {@code BERTH_KUBECTL} (as {@code .ci/run} sets it from {@code
   * k8s/tools/kubectl.sh}, the pinned 1.33.9), else the one that script fetched before, else {@code
   * kubectl} on {@code PATH}. Without any, the test skips, or fails under {@code
   * BERTH_E2E=required}.
   */
  static String kubectl() {
    String configured = System.getenv("BERTH_KUBECTL");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    Path fetched =
        Path.of(System.getProperty("user.home"), ".cache", "berth", "kubectl-1.33.9", "kubectl");
    if (java.nio.file.Files.isExecutable(fetched)) {
      return fetched.toString();
    }
    E2eTools.require("kubectl");
    return "kubectl";
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  /** Every non-empty {@code additionalProperties} below {@code o}, by path. */
  private static void unknownFields(
      Object o, String path, List<String> out, Map<Object, Boolean> seen) {
    if (o == null || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", out, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0
          || Modifier.isStatic(m.getModifiers())
          || !m.getName().startsWith("get")
          || m.getName().equals("getClass")) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          out.add(path + ": " + extra.keySet());
        }
        continue;
      }
      String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
      unknownFields(value, path + "." + field, out, seen);
    }
  }

  private static String run(List<String> argv) {
    return Command.run(argv, Map.of(), Duration.ofSeconds(60)).stdout();
  }
}
