package io.oci2vm.internal.write;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.oci2vm.Digest;
import io.oci2vm.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Writes small single-layer OCI images as an image layout: the demo's example image now, kernel
 * images later. Output is reproducible: fixed timestamps, gzip without a header time.
 */
public final class OciLayoutWriter {
  private static final FileTime EPOCH = FileTime.fromMillis(0);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A file or directory (content null, path ending in '/') of the layer. */
  public record Entry(String path, int mode, long uid, long gid, byte[] content) {}

  private OciLayoutWriter() {}

  /**
   * Writes an image whose one layer holds {@code entries} and whose config's {@code config} section
   * is {@code runtime}; returns the manifest digest.
   */
  public static Digest write(Path layout, String tag, List<Entry> entries, ObjectNode runtime)
      throws IOException {
    return write(layout, tag, entries, runtime, java.util.Map.of());
  }

  /** As {@link #write(Path, String, List, ObjectNode)}, with manifest annotations. */
  public static Digest write(
      Path layout,
      String tag,
      List<Entry> entries,
      ObjectNode runtime,
      java.util.Map<String, String> annotations)
      throws IOException {
    byte[] tar = tar(entries);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    GzipParameters p = new GzipParameters();
    p.setModificationTime(0);
    try (GzipCompressorOutputStream out = new GzipCompressorOutputStream(gz, p)) {
      out.write(tar);
    }
    byte[] layer = gz.toByteArray();
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.set("config", runtime);
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(Digest.of(tar).toString());
    byte[] configBytes = JSON.writeValueAsBytes(config);
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
    descriptor(manifest.putObject("config"), MediaTypes.OCI_CONFIG, configBytes);
    descriptor(manifest.putArray("layers").addObject(), MediaTypes.OCI_LAYER_GZIP, layer);
    if (!annotations.isEmpty()) {
      ObjectNode a = manifest.putObject("annotations");
      new java.util.TreeMap<>(annotations).forEach(a::put);
    }
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ObjectNode m = index.putArray("manifests").addObject();
    descriptor(m, MediaTypes.OCI_MANIFEST, manifestBytes);
    m.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    Files.createDirectories(layout.resolve("blobs/sha256"));
    for (byte[] blob : List.of(layer, configBytes, manifestBytes)) {
      Files.write(layout.resolve("blobs/sha256").resolve(Digest.of(blob).hex()), blob);
    }
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
    return Digest.of(manifestBytes);
  }

  private static void descriptor(ObjectNode n, String mediaType, byte[] blob) {
    n.put("mediaType", mediaType);
    n.put("digest", Digest.of(blob).toString());
    n.put("size", blob.length);
  }

  private static byte[] tar(List<Entry> entries) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(buf)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Entry e : entries) {
        boolean dir = e.content() == null;
        TarArchiveEntry te =
            new TarArchiveEntry(e.path(), dir ? TarConstants.LF_DIR : TarConstants.LF_NORMAL);
        te.setMode((dir ? 0040000 : 0100000) | e.mode());
        te.setUserId(e.uid());
        te.setGroupId(e.gid());
        te.setLastModifiedTime(EPOCH);
        if (!dir) {
          te.setSize(e.content().length);
        }
        t.putArchiveEntry(te);
        if (!dir) {
          t.write(e.content());
        }
        t.closeArchiveEntry();
      }
    }
    return buf.toByteArray();
  }
}
