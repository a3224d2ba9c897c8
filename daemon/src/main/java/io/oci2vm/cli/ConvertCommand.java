package io.oci2vm.cli;

import io.oci2vm.BundleResult;
import io.oci2vm.ErrorCode;
import io.oci2vm.KernelSource;
import io.oci2vm.Oci2vmException;
import io.oci2vm.SlimPolicy;
import io.oci2vm.SlimReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code oci2vm convert REF -o DIR}: the image as a bootable microVM bundle. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = {
      "Converts an image into a direct-boot microVM bundle: vmlinuz, initrd.img (the slimmed",
      "app, oci2vm's init and the kernel modules the VM needs), cmdline, run-qemu.sh,",
      "firecracker.json and oci2vm.json. Boot it with: oci2vm boot DIR"
    })
final class ConvertCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "REF",
      description = "The image (see oci2vm inspect --help).")
  String ref;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "DIR",
      description = "The bundle directory (new, empty, or an earlier bundle to replace).")
  Path output;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "bundle",
      description = "Output format: bundle (default). Disk formats come in a later release.")
  String format;

  @Option(
      names = "--kernel",
      paramLabel = "PATH",
      description = "Kernel bzImage/vmlinuz (default: the distro kernel installed here).")
  Path kernel;

  @Option(
      names = "--kernel-image",
      paramLabel = "REF",
      description = {
        "A kernel OCI image in LinuxKit's layout (/kernel, /kernel.tar), from any source",
        "oci2vm reads (e.g. registry/kernels/oci2vm:6.1); pulled and cached by digest."
      })
  String kernelImage;

  @Option(
      names = "--modules",
      paramLabel = "DIR",
      description = "The kernel's lib/modules directory (with --kernel).")
  Path modules;

  @Option(names = "--hostname", paramLabel = "NAME", description = "The VM's hostname.")
  String hostname;

  @Option(
      names = "--network",
      paramLabel = "MODE",
      description = {
        "How the VM's NIC is set up: static (default: 10.0.2.15/24 via 10.0.2.2, QEMU's user",
        "networking), dhcp, or none. A bundle's boot can override it with ip= kernel arguments."
      })
  String network;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print nothing but errors.")
  boolean quiet;

  @Mixin SlimOptions slim;

  @Mixin SourceOptions source;

  @Mixin AppOptions app;

  @Override
  public Integer call() {
    if (!format.equals("bundle")) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION, "format '" + format + "' is not supported yet; use bundle");
    }
    if (kernel != null && kernelImage != null) {
      throw new Oci2vmException(ErrorCode.BAD_OPTION, "give --kernel or --kernel-image, not both");
    }
    if (modules != null && kernel == null) {
      throw new Oci2vmException(ErrorCode.BAD_OPTION, "--modules goes with --kernel");
    }
    PrintWriter out = spec.commandLine().getOut();
    SlimPolicy policy = slim.policy();
    KernelSource k =
        kernelImage != null
            ? KernelSource.image(kernelImage)
            : kernel == null ? KernelSource.auto() : KernelSource.file(kernel, modules);
    BundleResult r =
        source
            .conversion(ref)
            .onProgress(new ProgressPrinter(spec.commandLine().getErr(), quiet))
            .writeBundle(output, policy, k, app.overrides(hostname, network));
    if (quiet) {
      return 0;
    }
    SlimReport s = r.report();
    out.printf(
        "Slimmed %s to %s (%d of %d files).%n",
        Format.bytes(s.bytesBefore()),
        Format.bytes(s.bytesAfter()),
        s.filesAfter(),
        s.filesBefore());
    out.printf("Kernel %s (%s)", r.kernelRelease(), r.kernelOrigin());
    out.printf(r.modules().isEmpty() ? "%n" : ", modules: %s%n", String.join(" ", r.modules()));
    out.printf("Bundle %s:%n", r.dir());
    r.files().forEach((name, size) -> out.printf("  %10s  %s%n", Format.bytes(size), name));
    out.printf(
        "Took %s: pull %s, flatten %s, slim %s, assemble %s.%n",
        Format.seconds(
            r.timings().values().stream()
                .reduce(java.time.Duration.ZERO, java.time.Duration::plus)),
        Format.seconds(r.timings().get("pull")),
        Format.seconds(r.timings().get("flatten")),
        Format.seconds(r.timings().get("slim")),
        Format.seconds(r.timings().get("assemble")));
    out.printf("Boot it: oci2vm boot %s%n", r.dir());
    return 0;
  }
}
