package io.oci2vm.internal.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageConfig;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import io.oci2vm.Platform;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses and validates manifests, indexes and image configs (OCI and Docker schema 2). */
public final class ManifestParser {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A parsed image manifest. */
  public record Manifest(String mediaType, Descriptor config, List<Descriptor> layers) {
    /** Copies the layers. */
    public Manifest {
      layers = List.copyOf(layers);
    }
  }

  /** A parsed image config: runtime settings, platform and the layers' diff_ids. */
  public record Config(ImageConfig image, Platform platform, List<Digest> diffIds) {
    /** Copies the diff_ids. */
    public Config {
      diffIds = List.copyOf(diffIds);
    }
  }

  /** Reads JSON bytes into a tree, mapping syntax errors to MALFORMED_MANIFEST. */
  public static JsonNode readTree(byte[] bytes, String what) {
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw malformed(what, "is not a JSON object");
      }
      return node;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new Oci2vmException(
          ErrorCode.MALFORMED_MANIFEST, what + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new Oci2vmException(ErrorCode.MALFORMED_MANIFEST, what + " is not valid JSON", e);
    }
  }

  /**
   * The media type of a manifest or index: the one the store declared, else the JSON's own field,
   * else guessed from its shape (old OCI documents omit it).
   */
  public static String mediaTypeOf(FetchedManifest fetched, JsonNode json, String what) {
    String declared = fetched.mediaType();
    String inner = text(json, "mediaType");
    if (declared != null && !declared.isBlank() && !declared.startsWith("application/json")) {
      String base = declared.split(";", 2)[0].trim();
      if (inner != null && !inner.equals(base)) {
        throw malformed(what, "declares media type " + base + " but its JSON says " + inner);
      }
      return base;
    }
    if (inner != null) {
      return inner;
    }
    if (json.has("manifests")) {
      return MediaTypes.OCI_INDEX;
    }
    if (json.has("layers") && json.has("config")) {
      return MediaTypes.OCI_MANIFEST;
    }
    throw malformed(what, "has no mediaType and is neither a manifest nor an index");
  }

  /** The entries of a manifest list or OCI index. */
  public static List<Descriptor> parseIndex(JsonNode json, String what) {
    requireSchema2(json, what);
    JsonNode manifests = json.get("manifests");
    if (manifests == null || !manifests.isArray()) {
      throw malformed(what, "has no manifests array");
    }
    List<Descriptor> out = new ArrayList<>();
    for (JsonNode m : manifests) {
      Platform platform = null;
      JsonNode p = m.get("platform");
      if (p != null && p.isObject() && text(p, "os") != null && text(p, "architecture") != null) {
        platform = new Platform(text(p, "os"), text(p, "architecture"), text(p, "variant"));
      }
      Descriptor d = descriptor(m, what);
      out.add(new Descriptor(d.mediaType(), d.digest(), d.size(), platform));
    }
    return out;
  }

  /** A single-image manifest; layer media types must be ones oci2vm can read. */
  public static Manifest parseManifest(JsonNode json, String mediaType, String what) {
    requireSchema2(json, what);
    if (!MediaTypes.MANIFESTS.contains(mediaType)) {
      throw new Oci2vmException(
          ErrorCode.UNKNOWN_MEDIA_TYPE,
          what + " has media type " + mediaType + ", not an image manifest oci2vm reads");
    }
    JsonNode configNode = json.get("config");
    if (configNode == null || !configNode.isObject()) {
      throw malformed(what, "has no config descriptor");
    }
    Descriptor config = descriptor(configNode, what + " config");
    if (!MediaTypes.CONFIGS.contains(config.mediaType())) {
      throw new Oci2vmException(
          ErrorCode.UNKNOWN_MEDIA_TYPE,
          what
              + " has config media type "
              + config.mediaType()
              + " (an artifact, not a container image?)");
    }
    JsonNode layersNode = json.get("layers");
    if (layersNode == null || !layersNode.isArray()) {
      throw malformed(what, "has no layers array");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : layersNode) {
      Descriptor d = descriptor(l, what + " layer " + layers.size());
      if (MediaTypes.layerCompression(d.mediaType()) == null) {
        throw new Oci2vmException(
            ErrorCode.UNKNOWN_MEDIA_TYPE,
            "layer "
                + d.digest()
                + " of "
                + what
                + " has media type "
                + d.mediaType()
                + "; oci2vm reads tar layers uncompressed, gzip or zstd");
      }
      layers.add(d);
    }
    return new Manifest(mediaType, config, layers);
  }

  /** An image config. */
  public static Config parseConfig(byte[] bytes, String what) {
    JsonNode json = readTree(bytes, what);
    String os = text(json, "os");
    String arch = text(json, "architecture");
    if (os == null || arch == null) {
      throw malformed(what, "has no os or architecture");
    }
    Platform platform = new Platform(os, arch, text(json, "variant"));
    JsonNode rootfs = json.get("rootfs");
    if (rootfs == null || !"layers".equals(text(rootfs, "type"))) {
      throw malformed(what, "has no rootfs of type layers");
    }
    JsonNode ids = rootfs.get("diff_ids");
    if (ids == null || !ids.isArray()) {
      throw malformed(what, "has no rootfs.diff_ids");
    }
    List<Digest> diffIds = new ArrayList<>();
    for (JsonNode id : ids) {
      diffIds.add(digest(id.asText(null), what));
    }
    JsonNode c = json.get("config");
    if (c == null || c.isNull()) {
      c = JSON.createObjectNode();
    }
    ImageConfig image =
        new ImageConfig(
            strings(c.get("Entrypoint"), what),
            strings(c.get("Cmd"), what),
            strings(c.get("Env"), what),
            text(c, "WorkingDir"),
            text(c, "User"),
            keys(c.get("ExposedPorts")),
            text(c, "StopSignal"),
            stringMap(c.get("Labels")));
    return new Config(image, platform, diffIds);
  }

  private static void requireSchema2(JsonNode json, String what) {
    JsonNode v = json.get("schemaVersion");
    if (v == null || !v.canConvertToInt() || v.asInt() != 2) {
      throw new Oci2vmException(
          ErrorCode.UNKNOWN_MEDIA_TYPE,
          what + " has schemaVersion " + v + "; only schema version 2 is supported");
    }
  }

  private static Descriptor descriptor(JsonNode n, String what) {
    String mediaType = text(n, "mediaType");
    if (mediaType == null) {
      throw malformed(what, "has a descriptor without mediaType");
    }
    JsonNode size = n.get("size");
    if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw malformed(what, "has a descriptor without a valid size");
    }
    return Descriptor.of(mediaType, digest(text(n, "digest"), what), size.asLong());
  }

  private static Digest digest(String s, String what) {
    if (!Digest.isDigest(s)) {
      throw malformed(what, "has a malformed digest '" + s + "'");
    }
    return Digest.parse(s);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
  }

  private static List<String> strings(JsonNode n, String what) {
    List<String> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw malformed(what, "has a non-array where a string array belongs");
    }
    for (JsonNode s : n) {
      if (!s.isTextual()) {
        throw malformed(what, "has a non-string in a string array");
      }
      out.add(s.asText());
    }
    return out;
  }

  private static List<String> keys(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n != null && n.isObject()) {
      n.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }

  private static Map<String, String> stringMap(JsonNode n) {
    Map<String, String> out = new LinkedHashMap<>();
    if (n != null && n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }

  private static Oci2vmException malformed(String what, String why) {
    return new Oci2vmException(ErrorCode.MALFORMED_MANIFEST, what + " " + why);
  }

  private ManifestParser() {}
}
