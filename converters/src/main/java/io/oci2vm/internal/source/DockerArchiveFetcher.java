package io.oci2vm.internal.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageReference;
import io.oci2vm.Limits;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code docker save} tar. Such archives have no registry manifest, only {@code
 * manifest.json} naming a config file and layer files, so this fetcher synthesises a Docker schema
 * 2 manifest from them. A layer's digest is taken from its {@code blobs/sha256/} name (Docker 25+)
 * or, for legacy {@code ID/layer.tar} names, is the config's diff_id when the layer is an
 * uncompressed tar; the puller verifies it either way.
 */
public final class DockerArchiveFetcher implements ImageFetcher {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ArchiveFiles files;
  private final String description;
  private final FetchedManifest manifest;
  private final Map<Digest, String> blobNames;
  private final Runnable onClose;

  private DockerArchiveFetcher(
      ArchiveFiles files,
      String description,
      FetchedManifest manifest,
      Map<Digest, String> blobNames,
      Runnable onClose) {
    this.files = files;
    this.description = description;
    this.manifest = manifest;
    this.blobNames = blobNames;
    this.onClose = onClose;
  }

  /**
   * Opens the archive and picks the image tagged {@code reference} (or the only one). {@code
   * onClose} runs when the fetcher closes; the Docker engine source deletes its temporary save
   * there.
   */
  public static DockerArchiveFetcher open(
      Path path, String reference, Limits limits, String description, Runnable onClose)
      throws IOException {
    ArchiveFiles files = ArchiveFiles.of(path, description);
    try {
      byte[] mj =
          files.readSmall(
              "manifest.json",
              limits.maxManifestBytes(),
              ErrorCode.MANIFEST_TOO_LARGE,
              description + " manifest.json");
      JsonNode list;
      try {
        list = JSON.readTree(mj);
      } catch (IOException e) {
        throw new Oci2vmException(
            ErrorCode.MALFORMED_MANIFEST, description + " manifest.json is not valid JSON", e);
      }
      if (list == null || !list.isArray() || list.isEmpty()) {
        throw new Oci2vmException(
            ErrorCode.MALFORMED_MANIFEST, description + " manifest.json lists no images");
      }
      JsonNode chosen = choose(list, reference, description);
      String configName = chosen.path("Config").asText(null);
      if (configName == null) {
        throw new Oci2vmException(
            ErrorCode.MALFORMED_MANIFEST, description + " manifest.json entry has no Config");
      }
      byte[] configBytes =
          files.readSmall(
              configName,
              limits.maxManifestBytes(),
              ErrorCode.MANIFEST_TOO_LARGE,
              description + " config " + configName);
      ManifestParser.Config config =
          ManifestParser.parseConfig(configBytes, description + " config");
      JsonNode layerNames = chosen.get("Layers");
      if (layerNames == null || !layerNames.isArray()) {
        throw new Oci2vmException(
            ErrorCode.MALFORMED_MANIFEST, description + " manifest.json entry has no Layers");
      }
      if (layerNames.size() != config.diffIds().size()) {
        throw new Oci2vmException(
            ErrorCode.MALFORMED_MANIFEST,
            description
                + " lists "
                + layerNames.size()
                + " layers but its config has "
                + config.diffIds().size()
                + " diff_ids");
      }
      Map<Digest, String> blobNames = new HashMap<>();
      Digest configDigest = Digest.of(configBytes);
      blobNames.put(configDigest, configName);
      ObjectNode m = JSON.createObjectNode();
      m.put("schemaVersion", 2);
      m.put("mediaType", MediaTypes.DOCKER_MANIFEST);
      ObjectNode c = m.putObject("config");
      c.put("mediaType", MediaTypes.DOCKER_CONFIG);
      c.put("size", configBytes.length);
      c.put("digest", configDigest.toString());
      ArrayNode layers = m.putArray("layers");
      for (int i = 0; i < layerNames.size(); i++) {
        String name = layerNames.get(i).asText();
        long size =
            files
                .size(name)
                .orElseThrow(
                    () ->
                        new Oci2vmException(
                            ErrorCode.BAD_ARCHIVE, description + " has no layer file " + name));
        Digest digest = layerDigest(files, name, config.diffIds().get(i));
        blobNames.put(digest, name);
        ObjectNode l = layers.addObject();
        l.put("mediaType", MediaTypes.DOCKER_LAYER);
        l.put("size", size);
        l.put("digest", digest.toString());
      }
      FetchedManifest manifest =
          FetchedManifest.local(MediaTypes.DOCKER_MANIFEST, JSON.writeValueAsBytes(m));
      return new DockerArchiveFetcher(files, description, manifest, blobNames, onClose);
    } catch (IOException | RuntimeException e) {
      files.close();
      onClose.run();
      throw e;
    }
  }

  private static JsonNode choose(JsonNode list, String reference, String description) {
    List<String> tags = new ArrayList<>();
    for (JsonNode entry : list) {
      for (JsonNode t : entry.path("RepoTags")) {
        tags.add(t.asText());
        if (reference != null && sameImage(reference, t.asText())) {
          return entry;
        }
      }
    }
    if (reference == null && list.size() == 1) {
      return list.get(0);
    }
    throw new Oci2vmException(
        ErrorCode.NOT_FOUND,
        reference == null
            ? description + " holds " + list.size() + " images; name one with :REF (" + tags + ")"
            : description + " has no image tagged " + reference + " (tags: " + tags + ")");
  }

  private static boolean sameImage(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    try {
      return ImageReference.parse(a).equals(ImageReference.parse(b));
    } catch (Oci2vmException e) {
      return false;
    }
  }

  /**
   * The digest of a layer file. Content-addressed names give it directly; a legacy uncompressed
   * layer's digest is its diff_id; anything else (a compressed legacy layer) is hashed here.
   */
  private static Digest layerDigest(ArchiveFiles files, String name, Digest diffId)
      throws IOException {
    String prefix = "blobs/sha256/";
    if (name.startsWith(prefix) && Digest.isDigest("sha256:" + name.substring(prefix.length()))) {
      return Digest.parse("sha256:" + name.substring(prefix.length()));
    }
    try (InputStream in = files.open(name)) {
      byte[] head = in.readNBytes(4);
      if (!Compressions.isCompressed(head)) {
        return diffId;
      }
    }
    MessageDigest sha = Digest.newSha256();
    try (InputStream in = files.open(name)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    }
    return Digest.fromBytes(sha.digest());
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public FetchedManifest fetchRootManifest() {
    return manifest;
  }

  @Override
  public FetchedManifest fetchManifest(Descriptor descriptor) {
    throw new Oci2vmException(
        ErrorCode.BAD_ARCHIVE, description + " has no manifest " + descriptor.digest());
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    String name = blobNames.get(d.digest());
    if (name == null) {
      throw new Oci2vmException(ErrorCode.NOT_FOUND, description + " has no blob " + d.digest());
    }
    return files.open(name);
  }

  @Override
  public boolean isRemote() {
    return false;
  }

  @Override
  public void close() throws IOException {
    try {
      files.close();
    } finally {
      onClose.run();
    }
  }
}
