package io.oci2vm.internal.write;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.oci2vm.ResolvedImage;
import io.oci2vm.SlimReport;
import io.oci2vm.internal.kernel.Kernel;
import java.util.List;

/** The part of oci2vm.json every output kind shares: source, image, kernel and slimming. */
final class RunRecord {
  private RunRecord() {}

  static ObjectNode describe(
      String source, ResolvedImage image, SlimReport report, Kernel kernel, List<String> modules) {
    ObjectNode m = new ObjectMapper().createObjectNode();
    m.put("oci2vm", 1);
    m.put("source", source);
    ObjectNode img = m.putObject("image");
    img.put("platform", image.platform().toString());
    img.put("indexDigest", image.indexDigest() == null ? null : image.indexDigest().toString());
    img.put("manifestDigest", image.manifestDigest().toString());
    img.put("configDigest", image.configDigest().toString());
    img.put("compressedSize", image.compressedSize());
    ObjectNode k = m.putObject("kernel");
    k.put("release", kernel.release());
    k.put("version", kernel.versionString());
    k.put("origin", kernel.origin());
    k.put("sha256", kernel.digest().toString());
    modules.forEach(k.putArray("modules")::add);
    ObjectNode sizes = m.putObject("slimming");
    sizes.put("filesBefore", report.filesBefore());
    sizes.put("bytesBefore", report.bytesBefore());
    sizes.put("filesAfter", report.filesAfter());
    sizes.put("bytesAfter", report.bytesAfter());
    sizes.put("droppedPaths", report.dropped().size());
    return m;
  }
}
