package dev.berth.proxy.prefetch;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The images that Kubernetes manifests run, for {@code berth prefetch -k}: what a cluster would
 * pull when the manifests are applied, so that the cache can hold it beforehand.
 *
 * <p>Input is a YAML stream of {@code ---}-separated documents, or JSON ({@code kubectl get -o
 * json}). Images are collected from every pod spec's {@code containers}, {@code initContainers} and
 * {@code ephemeralContainers}; the pod spec is found by kind:
 *
 * <ul>
 *   <li>{@code Pod}: {@code spec}
 *   <li>{@code Deployment}, {@code DaemonSet}, {@code StatefulSet}, {@code ReplicaSet}, {@code
 *       ReplicationController}, {@code Job}: {@code spec.template.spec}
 *   <li>{@code CronJob}: {@code spec.jobTemplate.spec.template.spec}
 *   <li>{@code PodTemplate}: {@code template.spec}
 *   <li>{@code List} and any {@code <Kind>List} with {@code items}: each item, recursively. Items
 *       of a typed list may omit {@code kind}, as the API server's own responses do, and are then
 *       of the list's element kind.
 * </ul>
 *
 * <p>Other kinds, objects without a kind and empty documents are skipped: a manifest set is mostly
 * Services and ConfigMaps. A workload that cannot be read (no pod spec, no containers, a container
 * without an image or with a non-string one) is an error rather than a skip, because skipping it
 * would leave its images out of the cache without anyone noticing.
 *
 * <p>The result lists each image once, in the order first seen, with the first place that used it.
 * Images are trimmed but not otherwise checked: the caller validates every reference, whatever its
 * source, with {@link dev.berth.proxy.image.ImageReference}. So {@code nginx} and {@code
 * docker.io/library/nginx:latest} are two entries here.
 */
public final class KubernetesImages {
  private static final List<String> TEMPLATE_SPEC = List.of("spec", "template", "spec");

  private static final Map<String, List<String>> POD_SPEC_PATHS =
      Map.of(
          "Pod", List.of("spec"),
          "Deployment", TEMPLATE_SPEC,
          "DaemonSet", TEMPLATE_SPEC,
          "StatefulSet", TEMPLATE_SPEC,
          "ReplicaSet", TEMPLATE_SPEC,
          "ReplicationController", TEMPLATE_SPEC,
          "Job", TEMPLATE_SPEC,
          "CronJob", List.of("spec", "jobTemplate", "spec", "template", "spec"),
          "PodTemplate", List.of("template", "spec"));

  /** The pod spec fields that hold containers, and how a source names one of their entries. */
  private enum ContainerList {
    CONTAINERS("containers", "container", true),
    INIT_CONTAINERS("initContainers", "initContainer", false),
    EPHEMERAL_CONTAINERS("ephemeralContainers", "ephemeralContainer", false);

    final String field;
    final String label;
    // A pod spec without containers is rejected by the API server; the other two are optional.
    final boolean required;

    ContainerList(String field, String label, boolean required) {
      this.field = field;
      this.label = label;
      this.required = required;
    }
  }

  private final Map<String, ImageUse> uses = new LinkedHashMap<>();

  private KubernetesImages() {}

  /**
   * Reads the manifests in {@code file}; errors name the file as given.
   *
   * @return the images, each once, in first-seen order; unmodifiable
   * @throws PrefetchInputException if the file cannot be read, a document is not valid YAML or
   *     JSON, or a workload has a container without a usable image
   */
  public static List<ImageUse> read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return read(file.toString(), in);
    } catch (IOException e) {
      throw PrefetchInputException.cannotRead(file.toString(), e);
    }
  }

  /**
   * Reads manifests from {@code in}, which is read to its end (or to the first error) and not
   * closed.
   *
   * @param sourceName names the input in sources and errors, e.g. a file name or {@code stdin}
   * @return the images, each once, in first-seen order; unmodifiable
   * @throws PrefetchInputException if a document is not valid YAML or JSON, or a workload has a
   *     container without a usable image; the message names {@code sourceName}, the document number
   *     and the object
   */
  public static List<ImageUse> read(String sourceName, InputStream in) {
    KubernetesImages images = new KubernetesImages();
    ManifestDocuments.forEach(
        sourceName,
        in,
        (document, number) -> images.visit(document, sourceName + " doc " + number, null));
    return List.copyOf(images.uses.values());
  }

  /**
   * @param where the document, and the list items that lead here
   * @param impliedKind the kind of a typed list's items, which may omit their own
   */
  private void visit(JsonNode object, String where, @Nullable String impliedKind) {
    if (!object.isObject()) {
      return;
    }
    String kind = text(object.get("kind"));
    if (kind == null) {
      kind = impliedKind;
      if (kind == null) {
        return;
      }
    }
    JsonNode items = object.get("items");
    if (kind.equals("List") || (kind.endsWith("List") && items != null)) {
      visitItems(kind, items, where);
      return;
    }
    List<String> path = POD_SPEC_PATHS.get(kind);
    if (path != null) {
      visitWorkload(object, kind, path, where);
    }
  }

  private void visitItems(String kind, @Nullable JsonNode items, String where) {
    if (items == null || items.isNull()) {
      return;
    }
    if (!items.isArray()) {
      throw new PrefetchInputException(where + ": " + kind + " items must be a list");
    }
    String itemKind = kind.equals("List") ? null : kind.substring(0, kind.length() - 4);
    for (int i = 0; i < items.size(); i++) {
      visit(items.get(i), where + " item " + (i + 1), itemKind);
    }
  }

  private void visitWorkload(JsonNode workload, String kind, List<String> path, String where) {
    String name = where + ": " + kind + "/" + name(workload);
    JsonNode podSpec = workload;
    for (String field : path) {
      podSpec = podSpec.path(field);
      if (!podSpec.isObject()) {
        throw new PrefetchInputException(
            name + " has no pod spec (a map at " + String.join(".", path) + ")");
      }
    }
    for (ContainerList list : ContainerList.values()) {
      JsonNode containers = podSpec.get(list.field);
      String field = String.join(".", path) + "." + list.field;
      if (containers == null || containers.isNull()) {
        if (list.required) {
          throw new PrefetchInputException(name + " has no " + field);
        }
        continue;
      }
      if (!containers.isArray()) {
        throw new PrefetchInputException(name + ": " + field + " must be a list");
      }
      for (int i = 0; i < containers.size(); i++) {
        JsonNode container = containers.get(i);
        if (!container.isObject()) {
          throw new PrefetchInputException(
              name + ": " + field + " entry " + (i + 1) + " must be a map");
        }
        String source = name + " " + list.label + " " + containerName(container, i);
        String image = image(container.get("image"), source);
        uses.putIfAbsent(image, new ImageUse(image, source));
      }
    }
  }

  private static String image(@Nullable JsonNode image, String source) {
    if (image == null || image.isNull()) {
      throw new PrefetchInputException(source + " has no image");
    }
    if (!image.isTextual()) {
      String hint = image.isValueNode() ? " (quote it)" : "";
      throw new PrefetchInputException(
          source + ": image must be a string, not " + describe(image) + hint);
    }
    String trimmed = image.asText().strip();
    if (trimmed.isEmpty()) {
      throw new PrefetchInputException(source + " has a blank image");
    }
    return trimmed;
  }

  private static String describe(JsonNode value) {
    if (value.isObject()) {
      return "a map";
    }
    if (value.isArray()) {
      return "a list";
    }
    return (value.isBoolean() ? "the boolean " : "the number ") + value.asText();
  }

  private static String name(JsonNode object) {
    JsonNode metadata = object.path("metadata");
    String name = text(metadata.get("name"));
    if (name != null) {
      return name;
    }
    // Jobs made from a template often have only a prefix; the API server appends the rest.
    String prefix = text(metadata.get("generateName"));
    return prefix != null ? prefix + "*" : "(unnamed)";
  }

  private static String containerName(JsonNode container, int index) {
    String name = text(container.get("name"));
    return name != null ? name : "#" + (index + 1);
  }

  private static @Nullable String text(@Nullable JsonNode node) {
    return node != null && node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
  }
}
