package io.oci2vm.internal.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One image of an OCI layout as {@link RegistryPusher} sends it: the manifest exactly as stored,
 * checked against its index.json descriptor, and its config and layer blobs without repeats.
 *
 * @param digest the manifest's digest in the layout
 */
record LayoutImage(Digest digest, RawManifest manifest, List<Descriptor> blobs) {
  /** Reads and checks the image {@code layout} picked for {@code tag}. */
  static LayoutImage read(
      OciLayoutFetcher layout, String tag, String description, long maxManifestBytes)
      throws IOException {
    Descriptor root = layout.rootDescriptor();
    String what = description + " manifest of '" + tag + "'";
    if (root.size() > maxManifestBytes) {
      throw new Oci2vmException(
          ErrorCode.MANIFEST_TOO_LARGE,
          what + " is " + root.size() + " bytes, over the limit of " + maxManifestBytes);
    }
    FetchedManifest fetched = layout.fetchRootManifest();
    byte[] bytes = fetched.bytes();
    if (bytes.length != root.size() || !fetched.digest().equals(root.digest())) {
      throw new Oci2vmException(
          ErrorCode.DIGEST_MISMATCH,
          what
              + " should be "
              + root.size()
              + " bytes with digest "
              + root.digest()
              + " but is "
              + bytes.length
              + " bytes with digest "
              + fetched.digest()
              + "; the layout is corrupt, write it again");
    }
    JsonNode json = ManifestParser.readTree(bytes, what);
    String mediaType = ManifestParser.mediaTypeOf(fetched, json, what);
    if (MediaTypes.INDEXES.contains(mediaType)) {
      throw new Oci2vmException(
          ErrorCode.UNKNOWN_MEDIA_TYPE,
          description
              + " names an image index '"
              + tag
              + "'; oci2vm pushes a single image, so tag one image manifest");
    }
    ManifestParser.Manifest manifest = ManifestParser.parseManifest(json, mediaType, what);
    Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
    blobs.put(manifest.config().digest(), manifest.config());
    manifest.layers().forEach(layer -> blobs.putIfAbsent(layer.digest(), layer));
    return new LayoutImage(
        root.digest(),
        new RawManifest(bytes, mediaType, json.get("schemaVersion").asInt(), what),
        List.copyOf(blobs.values()));
  }
}
