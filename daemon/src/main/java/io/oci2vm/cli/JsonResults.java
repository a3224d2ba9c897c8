package io.oci2vm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oci2vm.BundleResult;
import io.oci2vm.Digest;
import io.oci2vm.DiskFormat;
import io.oci2vm.DiskResult;
import io.oci2vm.ResolvedImage;
import io.oci2vm.RootfsResult;
import io.oci2vm.SlimReport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of convert and rootfs as {@code --json} prints them: what was written (paths, sizes,
 * sha256 digests), from which image, and how long each stage took.
 */
final class JsonResults {
  private JsonResults() {}

  static Map<String, Object> bundle(BundleResult r) throws IOException {
    JsonNode outputs = recordOutputs(r.manifest());
    List<Map<String, Object>> files = new ArrayList<>();
    for (Map.Entry<String, Long> f : r.files().entrySet()) {
      Path p = r.dir().resolve(f.getKey());
      files.add(file(f.getKey(), null, p, f.getValue(), outputs.path(f.getKey())));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "bundle");
    m.put("output", r.dir().toString());
    m.put("image", image(r.image()));
    m.put("files", files);
    m.put("record", r.manifest().toString());
    m.put("kernel", kernel(r.kernelRelease(), r.kernelOrigin(), r.modules()));
    m.put("slim", slim(r.report()));
    m.put("timingsSeconds", seconds(r.timings()));
    return m;
  }

  static Map<String, Object> disks(DiskResult r, Map<DiskFormat, Path> disks) throws IOException {
    JsonNode outputs = recordOutputs(r.metadata());
    List<Map<String, Object>> files = new ArrayList<>();
    for (Map.Entry<DiskFormat, Path> d : disks.entrySet()) {
      Path p = d.getValue();
      String name = p.getFileName().toString();
      files.add(file(name, d.getKey().id(), p, r.sizes().get(d.getKey()), outputs.path(name)));
    }
    Map<String, Object> disk = new LinkedHashMap<>();
    disk.put("bytes", r.diskBytes());
    disk.put("rootBytes", r.rootBytes());
    disk.put("boot", r.boot().toString());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "disk");
    m.put("image", image(r.image()));
    m.put("disk", disk);
    m.put("files", files);
    m.put("record", r.metadata().toString());
    m.put("kernel", kernel(r.kernelRelease(), r.kernelOrigin(), r.modules()));
    m.put("slim", slim(r.report()));
    m.put("timingsSeconds", seconds(r.stages()));
    return m;
  }

  static Map<String, Object> rootfs(RootfsResult r, Path report) throws IOException {
    Map<String, Object> timings = new LinkedHashMap<>();
    timings.put("pull", seconds(r.pullTime()));
    timings.put("flatten", seconds(r.flattenTime()));
    timings.put("slim", seconds(r.slimTime()));
    timings.put("write", seconds(r.writeTime()));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "rootfs");
    m.put("image", image(r.image()));
    String name = r.output().getFileName().toString();
    m.put("files", List.of(file(name, "tar", r.output(), r.outputBytes(), null)));
    m.put("report", report == null ? null : report.toString());
    m.put("slim", slim(r.report()));
    m.put("unresolved", r.report().unresolved());
    m.put("timingsSeconds", timings);
    return m;
  }

  private static Map<String, Object> file(
      String name, String format, Path path, long bytes, JsonNode recorded) throws IOException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("name", name);
    if (format != null) {
      f.put("format", format);
    }
    f.put("path", path.toString());
    f.put("bytes", bytes);
    // The run record already holds the digests of what it lists; hash only what it does not.
    String sha =
        recorded != null && recorded.hasNonNull("sha256")
            ? recorded.get("sha256").asText()
            : Digest.ofFile(path).toString();
    f.put("sha256", sha);
    return f;
  }

  private static JsonNode recordOutputs(Path record) throws IOException {
    return new ObjectMapper().readTree(record.toFile()).path("outputs");
  }

  private static Map<String, Object> image(ResolvedImage image) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("source", image.source());
    m.put("platform", image.platform().toString());
    m.put("index", image.indexDigest() == null ? null : image.indexDigest().toString());
    m.put("manifest", image.manifestDigest().toString());
    m.put("config", image.configDigest() == null ? null : image.configDigest().toString());
    m.put("layers", image.layers().size());
    m.put("compressedBytes", image.compressedSize());
    return m;
  }

  private static Map<String, Object> kernel(String release, String origin, List<String> modules) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("release", release);
    m.put("origin", origin);
    m.put("modules", modules);
    return m;
  }

  private static Map<String, Object> slim(SlimReport s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("filesBefore", s.filesBefore());
    m.put("bytesBefore", s.bytesBefore());
    m.put("filesAfter", s.filesAfter());
    m.put("bytesAfter", s.bytesAfter());
    return m;
  }

  private static Map<String, Double> seconds(Map<String, Duration> stages) {
    Map<String, Double> m = new LinkedHashMap<>();
    stages.forEach((k, v) -> m.put(k, seconds(v)));
    return m;
  }

  private static double seconds(Duration d) {
    return Math.round(d.toNanos() / 1e6) / 1e3;
  }
}
