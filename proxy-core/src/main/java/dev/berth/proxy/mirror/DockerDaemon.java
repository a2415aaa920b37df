package dev.berth.proxy.mirror;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.proxy.config.UpstreamConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Docker daemon's {@code daemon.json} with berth first in {@code registry-mirrors}. The daemon
 * uses mirrors for Docker Hub only and sends Hub paths with neither {@code ns} nor a host, so berth
 * must have {@code docker.io} as its default upstream. Every other key of an existing file is kept.
 */
public final class DockerDaemon {
  static final Path FILE = Path.of("daemon.json");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private DockerDaemon() {}

  /**
   * @param existing the current {@code daemon.json}, if there is one
   * @throws IllegalArgumentException when docker.io is not berth's default upstream, or the
   *     existing file is not a JSON object
   */
  public static List<MirrorFile> render(
      List<UpstreamConfig> upstreams, Endpoint endpoint, Optional<String> existing) {
    boolean hubIsDefault =
        upstreams.stream().anyMatch(u -> u.isDefault() && u.name().equals("docker.io"));
    if (!hubIsDefault) {
      throw new IllegalArgumentException(
          "the Docker daemon sends Docker Hub requests without naming the registry, so berth's"
              + " default upstream must be docker.io (config key: upstreams[].default)");
    }
    ObjectNode daemon = parse(existing.orElse("{}"));
    // The daemon stores mirrors with a trailing slash; compare in that form to stay idempotent.
    String mirror = endpoint + "/";
    ArrayNode mirrors = JSON.createArrayNode().add(mirror);
    othersThan(daemon, endpoint).forEach(m -> mirrors.add(m.asText()));
    daemon.set("registry-mirrors", mirrors);
    return List.of(file(daemon));
  }

  /**
   * {@code daemon.json} without berth in {@code registry-mirrors} (the key goes when nothing else
   * is left in it); every other key and mirror is kept, for {@code mirror-config --remove}.
   *
   * @throws IllegalArgumentException when the file is not a JSON object
   */
  public static MirrorFile withoutMirror(String existing, Endpoint endpoint) {
    ObjectNode daemon = parse(existing);
    if (daemon.get("registry-mirrors") != null && daemon.get("registry-mirrors").isArray()) {
      List<JsonNode> kept = othersThan(daemon, endpoint);
      if (kept.isEmpty()) {
        daemon.remove("registry-mirrors");
      } else {
        daemon.set("registry-mirrors", JSON.createArrayNode().addAll(kept));
      }
    }
    return file(daemon);
  }

  /**
   * The entries of {@code registry-mirrors} that are not berth at {@code endpoint}, in order; the
   * daemon stores mirrors with a trailing slash, so both forms are berth's.
   */
  private static List<JsonNode> othersThan(ObjectNode daemon, Endpoint endpoint) {
    List<JsonNode> others = new ArrayList<>();
    JsonNode old = daemon.get("registry-mirrors");
    if (old != null && old.isArray()) {
      for (JsonNode m : old) {
        String text = m.asText();
        if (!text.equals(endpoint + "/") && !text.equals(endpoint.toString())) {
          others.add(m);
        }
      }
    }
    return others;
  }

  private static ObjectNode parse(String json) {
    try {
      if (JSON.readTree(json) instanceof ObjectNode object) {
        return object;
      }
      throw new IllegalArgumentException("daemon.json is not a JSON object");
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "daemon.json is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static MirrorFile file(ObjectNode daemon) {
    try {
      return new MirrorFile(FILE, JSON.writeValueAsString(daemon) + "\n");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
