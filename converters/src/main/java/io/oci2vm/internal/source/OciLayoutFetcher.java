package io.oci2vm.internal.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.oci2vm.Descriptor;
import io.oci2vm.ErrorCode;
import io.oci2vm.Limits;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an OCI image layout, as a directory ({@code oci:}) or a tar of one ({@code oci-archive:}).
 * The tag is matched against {@code org.opencontainers.image.ref.name}.
 */
public final class OciLayoutFetcher implements ImageFetcher {
  static final String REF_NAME = "org.opencontainers.image.ref.name";

  private final ArchiveFiles files;
  private final String description;
  private final Descriptor root;

  private OciLayoutFetcher(ArchiveFiles files, String description, Descriptor root) {
    this.files = files;
    this.description = description;
    this.root = root;
  }

  /** Opens the layout at {@code path} (directory or tar) and picks the image named {@code tag}. */
  public static OciLayoutFetcher open(Path path, String tag, Limits limits, String description)
      throws IOException {
    ArchiveFiles files = ArchiveFiles.of(path, description);
    try {
      if (files.size("oci-layout").isEmpty()) {
        throw new Oci2vmException(
            ErrorCode.BAD_ARCHIVE,
            description + " is not an OCI image layout (no oci-layout file)");
      }
      byte[] indexBytes =
          files.readSmall(
              "index.json",
              limits.maxManifestBytes(),
              ErrorCode.MANIFEST_TOO_LARGE,
              description + " index.json");
      JsonNode index = ManifestParser.readTree(indexBytes, description + " index.json");
      List<Descriptor> entries = ManifestParser.parseIndex(index, description + " index.json");
      JsonNode manifests = index.get("manifests");
      List<String> names = new ArrayList<>();
      Descriptor chosen = null;
      for (int i = 0; i < entries.size(); i++) {
        JsonNode ann = manifests.get(i).get("annotations");
        String name = ann == null || ann.get(REF_NAME) == null ? null : ann.get(REF_NAME).asText();
        names.add(name);
        if (tag != null && tag.equals(name)) {
          chosen = entries.get(i);
        }
      }
      if (tag == null && entries.size() == 1) {
        chosen = entries.get(0);
      }
      if (chosen == null) {
        throw new Oci2vmException(
            ErrorCode.NOT_FOUND,
            tag == null
                ? description
                    + " holds "
                    + entries.size()
                    + " images; name one with :TAG (tags: "
                    + names
                    + ")"
                : description + " has no image tagged '" + tag + "' (tags: " + names + ")");
      }
      return new OciLayoutFetcher(files, description, chosen);
    } catch (IOException | RuntimeException e) {
      files.close();
      throw e;
    }
  }

  static String blobPath(Descriptor d) {
    return "blobs/" + d.digest().algorithm() + "/" + d.digest().hex();
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public Descriptor rootDescriptor() {
    return root;
  }

  @Override
  public FetchedManifest fetchRootManifest() throws IOException {
    return fetchManifest(root);
  }

  @Override
  public FetchedManifest fetchManifest(Descriptor d) throws IOException {
    String name = blobPath(d);
    long size =
        files
            .size(name)
            .orElseThrow(
                () ->
                    new Oci2vmException(
                        ErrorCode.NOT_FOUND, description + " has no blob " + d.digest()));
    // Read at most one byte past the declared size: enough to tell the puller it is too long.
    try (InputStream in = files.open(name)) {
      byte[] bytes = in.readNBytes((int) Math.min(size, Math.max(d.size(), 0) + 1));
      return FetchedManifest.local(d.mediaType(), bytes);
    }
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    String name = blobPath(d);
    if (files.size(name).isEmpty()) {
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
    files.close();
  }
}
