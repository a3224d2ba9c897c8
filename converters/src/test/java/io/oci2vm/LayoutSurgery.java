package io.oci2vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Edits OCI layouts in place to make broken and hostile images for tests. */
final class LayoutSurgery {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LayoutSurgery() {}

  static Path blob(Path layout, String digest) {
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  /** The first manifest named by index.json. */
  static String manifestDigest(Path layout) throws IOException {
    return JSON.readTree(layout.resolve("index.json").toFile())
        .get("manifests")
        .get(0)
        .get("digest")
        .asText();
  }

  static ObjectNode manifest(Path layout) throws IOException {
    return (ObjectNode) JSON.readTree(blob(layout, manifestDigest(layout)).toFile());
  }

  /**
   * Rewrites the manifest with {@code edit} and re-points index.json at it, so only the edit is
   * wrong, not the bookkeeping.
   */
  static void editManifest(Path layout, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode m = manifest(layout);
    edit.accept(m);
    byte[] bytes = JSON.writeValueAsBytes(m);
    Digest d = Digest.of(bytes);
    Files.write(blob(layout, d.toString()), bytes);
    ObjectNode index = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
    ObjectNode entry = (ObjectNode) index.get("manifests").get(0);
    entry.put("digest", d.toString());
    entry.put("size", bytes.length);
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
  }

  /** Rewrites the config with {@code edit} and re-points the manifest at it. */
  static void editConfig(Path layout, Consumer<ObjectNode> edit) throws IOException {
    String configDigest = manifest(layout).get("config").get("digest").asText();
    ObjectNode c = (ObjectNode) JSON.readTree(blob(layout, configDigest).toFile());
    edit.accept(c);
    byte[] bytes = JSON.writeValueAsBytes(c);
    Digest d = Digest.of(bytes);
    Files.write(blob(layout, d.toString()), bytes);
    editManifest(
        layout,
        m -> {
          ObjectNode cfg = (ObjectNode) m.get("config");
          cfg.put("digest", d.toString());
          cfg.put("size", bytes.length);
        });
  }

  static JsonNode layer(Path layout, int i) throws IOException {
    return manifest(layout).get("layers").get(i);
  }
}
