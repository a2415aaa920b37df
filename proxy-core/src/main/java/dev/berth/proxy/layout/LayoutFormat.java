package dev.berth.proxy.layout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.proxy.image.MediaTypes;
import dev.berth.storage.Digest;
import dev.berth.storage.InvalidDigestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The layout's fixed file names and JSON shapes, and the exact-length copy both writers use. */
final class LayoutFormat {
  static final String OCI_LAYOUT = "oci-layout";
  static final String INDEX_JSON = "index.json";
  static final String VERSION = "1.0.0";

  static final ObjectMapper JSON = new ObjectMapper();

  private LayoutFormat() {}

  /** {@code blobs/<algorithm>/<hex>}, relative to the layout root. */
  static String blobPath(Digest digest) {
    return "blobs/" + digest.algorithm().wireName() + "/" + digest.hex();
  }

  static byte[] layoutFile() {
    return ("{\"imageLayoutVersion\":\"" + VERSION + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  /** An empty image index, to which {@code manifests} entries are added. */
  static ObjectNode emptyIndex() {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    index.putArray("manifests");
    return index;
  }

  static byte[] render(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always renders", e);
    }
  }

  static ObjectNode toJson(Descriptor descriptor) {
    ObjectNode node = JSON.createObjectNode();
    node.put("mediaType", descriptor.mediaType());
    node.put("digest", descriptor.digest().toString());
    node.put("size", descriptor.size());
    if (!descriptor.annotations().isEmpty()) {
      ObjectNode annotations = node.putObject("annotations");
      descriptor.annotations().forEach(annotations::put);
    }
    if (descriptor.platform() != null) {
      node.set("platform", descriptor.platform().deepCopy());
    }
    return node;
  }

  /**
   * Reads one descriptor.
   *
   * @param where names it in errors, e.g. {@code "/x/index.json manifests[2]"}
   */
  static Descriptor fromJson(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new LayoutException(where + ": a descriptor must be a JSON object");
    }
    JsonNode mediaType = node.get("mediaType");
    if (mediaType == null || !mediaType.isTextual()) {
      throw new LayoutException(where + ": mediaType is missing or not a string");
    }
    JsonNode digestNode = node.get("digest");
    if (digestNode == null || !digestNode.isTextual()) {
      throw new LayoutException(where + ": digest is missing or not a string");
    }
    Digest digest;
    try {
      digest = Digest.parse(digestNode.asText());
    } catch (InvalidDigestException e) {
      throw new LayoutException(where + ": " + e.getMessage(), e);
    }
    JsonNode size = node.get("size");
    if (size == null || !size.canConvertToExactIntegral() || !size.canConvertToLong()) {
      throw new LayoutException(where + ": size is missing or not an integer");
    }
    if (size.asLong() < 0) {
      throw new LayoutException(where + ": size is negative");
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    JsonNode annotationsNode = node.get("annotations");
    if (annotationsNode != null && !annotationsNode.isNull()) {
      if (!annotationsNode.isObject()) {
        throw new LayoutException(where + ": annotations must be a JSON object");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = annotationsNode.properties().iterator();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (!field.getValue().isTextual()) {
          throw new LayoutException(where + ": annotation " + field.getKey() + " must be a string");
        }
        annotations.put(field.getKey(), field.getValue().asText());
      }
    }
    JsonNode platform = node.get("platform");
    if (platform != null && !platform.isNull() && !platform.isObject()) {
      throw new LayoutException(where + ": platform must be a JSON object");
    }
    return new Descriptor(
        mediaType.asText(),
        digest,
        size.asLong(),
        annotations,
        platform == null || platform.isNull() ? null : platform);
  }

  /** Checks an index tree's shape and returns its {@code manifests} array. */
  static ArrayNode manifests(JsonNode index, String where) {
    if (!index.isObject()) {
      throw new LayoutException(where + ": not a JSON object");
    }
    JsonNode schemaVersion = index.get("schemaVersion");
    if (schemaVersion != null && schemaVersion.asInt(-1) != 2) {
      throw new LayoutException(where + ": schemaVersion is " + schemaVersion + ", expected 2");
    }
    JsonNode manifests = index.get("manifests");
    if (manifests == null || !manifests.isArray()) {
      throw new LayoutException(where + ": manifests is missing or not an array");
    }
    return (ArrayNode) manifests;
  }

  /** Parses small JSON bytes, naming {@code where} when they are not JSON. */
  static JsonNode parse(byte[] bytes, String where) {
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new LayoutException(where + ": empty file, expected JSON");
      }
      return node;
    } catch (IOException e) {
      throw new LayoutException(where + ": not valid JSON (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Reads {@code in} whole, refusing more than {@code maxBytes}.
   *
   * @param where names the content in the error
   */
  static byte[] readAtMost(InputStream in, long maxBytes, String where) throws IOException {
    int cap = (int) Math.min(maxBytes, Integer.MAX_VALUE - 16);
    byte[] bytes = in.readNBytes(cap + 1);
    if (bytes.length > cap) {
      throw new LayoutException(where + " is larger than the " + maxBytes + " bytes allowed");
    }
    return bytes;
  }

  /**
   * Copies exactly {@code size} bytes and checks that {@code in} ends there: the declared size of a
   * blob is part of its identity in a descriptor, so a mismatch is an error, not a truncation.
   */
  static void copyExactly(InputStream in, long size, OutputStream out, String what)
      throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long remaining = size;
    while (remaining > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
      if (n < 0) {
        throw shorter(what, size, size - remaining);
      }
      out.write(buffer, 0, n);
      remaining -= n;
    }
    checkEnded(in, size, what);
  }

  static void checkEnded(InputStream in, long size, String what) throws IOException {
    if (in.read() >= 0) {
      throw new LayoutException(what + ": content is longer than the declared " + size + " bytes");
    }
  }

  static LayoutException shorter(String what, long size, long got) {
    return new LayoutException(
        what + ": content ended after " + got + " of the declared " + size + " bytes");
  }
}
