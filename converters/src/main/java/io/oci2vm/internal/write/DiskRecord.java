package io.oci2vm.internal.write;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.oci2vm.BootMode;
import io.oci2vm.Digest;
import io.oci2vm.DiskFormat;
import io.oci2vm.ResolvedImage;
import io.oci2vm.SlimReport;
import io.oci2vm.internal.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes {@code NAME.oci2vm.json} beside a run's disk images. */
public final class DiskRecord {
  private DiskRecord() {}

  /** Where the record of a run whose first output is {@code output} goes. */
  public static Path pathFor(Path output) {
    String name = output.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return output.resolveSibling(stem + ".oci2vm.json");
  }

  /**
   * Writes the record of {@code r} to {@code out}, hashing the disks at {@code files} (their
   * temporary names; the record names them by their final names).
   */
  public static void write(
      DiskWriter.Result r,
      Map<DiskFormat, Path> files,
      Path out,
      BootMode boot,
      String source,
      ResolvedImage image,
      SlimReport report,
      Kernel kernel,
      List<String> modules,
      Map<String, Double> timings)
      throws IOException {
    ObjectNode m = RunRecord.describe(source, image, report, kernel, modules);
    ObjectNode d = m.putObject("disk");
    d.put("boot", boot.toString());
    d.put("bytes", r.layout().diskBytes());
    d.put("rootBytes", r.layout().rootBytes());
    d.put("espBytes", r.layout().espBytes());
    d.put("rootUuid", r.rootUuid().toString());
    ObjectNode outputs = m.putObject("outputs");
    for (DiskFormat f : DiskFormat.values()) {
      Path p = r.outputs().get(f);
      if (p == null) {
        continue;
      }
      Path file = files.get(f);
      ObjectNode o = outputs.putObject(p.getFileName().toString());
      o.put("format", f.id());
      o.put("size", Files.size(file));
      o.put("sha256", Digest.ofFile(file).toString());
    }
    ObjectNode t = m.putObject("timingsSeconds");
    timings.forEach(t::put);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), m);
  }
}
