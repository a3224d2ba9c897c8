package io.oci2vm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.oci2vm.RootfsResult;
import io.oci2vm.SlimPolicy;
import io.oci2vm.SlimReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code oci2vm rootfs REF -o out.tar}: the flattened, slimmed root filesystem as a tar. */
@Command(
    name = "rootfs",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the image's flattened root filesystem as a tar, slimmed to what the app needs.",
      "Slimming keeps the entrypoint and what it loads (ELF libraries, interpreters, commands",
      "its shell scripts run), libc's config files, TLS certificates and runtime profiles",
      "(JVM, Python, Node.js, Debian packages); --keep adds paths the analysis cannot see."
    })
final class RootfsCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "REF",
      description = "The image (see oci2vm inspect --help).")
  String ref;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "The tar to write; it appears only when complete.")
  Path output;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description = "Write every kept path with its reason and every dropped path as JSON.")
  Path report;

  @Mixin OutputOptions verbosity;

  @Mixin SlimOptions slim;

  @Mixin SourceOptions source;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SlimPolicy policy = slim.policy();
    ProgressRenderer progress = verbosity.renderer(err);
    RootfsResult r = source.conversion(ref).onProgress(progress).writeRootfsTar(output, policy);
    progress.finish();
    SlimReport s = r.report();
    if (report != null) {
      Path dir = report.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(report.toFile(), toJson(r));
    }
    if (verbosity.json) {
      out.println(JsonProgress.line(JsonResults.rootfs(r, report)));
      return 0;
    }
    if (!verbosity.summary()) {
      return 0;
    }
    if (slim.noSlim) {
      out.printf("Kept all %d files (%s).%n", s.filesAfter(), Format.bytes(s.bytesAfter()));
    } else {
      double factor = s.bytesAfter() == 0 ? 0 : (double) s.bytesBefore() / s.bytesAfter();
      out.printf(
          "Slimmed %d files (%s) to %d files (%s): %.1fx smaller.%n",
          s.filesBefore(),
          Format.bytes(s.bytesBefore()),
          s.filesAfter(),
          Format.bytes(s.bytesAfter()),
          factor);
      List<SlimReport.Dropped> biggest = s.biggestDropped(5, 3);
      if (!biggest.isEmpty()) {
        out.println("Biggest dropped:");
        for (SlimReport.Dropped d : biggest) {
          out.printf("  %10s  %s%n", Format.bytes(d.size()), d.path());
        }
      }
    }
    if (!s.unresolved().isEmpty()) {
      out.println("Warning: libraries or interpreters not found in the image:");
      for (SlimReport.Unresolved u : s.unresolved()) {
        out.printf("  %s (needed by %s)%n", u.library(), u.neededBy());
      }
    }
    out.printf(
        "Wrote %s (%s) in %s: pull %s, flatten %s, slim %s, write %s.%n",
        r.output(),
        Format.bytes(r.outputBytes()),
        Format.seconds(r.pullTime().plus(r.flattenTime()).plus(r.slimTime()).plus(r.writeTime())),
        Format.seconds(r.pullTime()),
        Format.seconds(r.flattenTime()),
        Format.seconds(r.slimTime()),
        Format.seconds(r.writeTime()));
    if (report != null) {
      out.printf("Report: %s%n", report);
    }
    return 0;
  }

  static Map<String, Object> toJson(RootfsResult r) {
    SlimReport s = r.report();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("image", InspectCommand.toJson(r.image()));
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("filesBefore", s.filesBefore());
    summary.put("bytesBefore", s.bytesBefore());
    summary.put("filesAfter", s.filesAfter());
    summary.put("bytesAfter", s.bytesAfter());
    summary.put("outputBytes", r.outputBytes());
    m.put("summary", summary);
    m.put("unresolved", s.unresolved());
    m.put("kept", s.kept());
    m.put("dropped", s.dropped());
    return m;
  }
}
