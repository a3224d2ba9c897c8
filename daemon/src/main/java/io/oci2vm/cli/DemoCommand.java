package io.oci2vm.cli;

import io.oci2vm.AppOverrides;
import io.oci2vm.BundleResult;
import io.oci2vm.Conversion;
import io.oci2vm.Examples;
import io.oci2vm.ImageSource;
import io.oci2vm.KernelSource;
import io.oci2vm.SlimPolicy;
import io.oci2vm.Vm;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code oci2vm demo}: the whole job on a built-in example, with no registry. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Builds a small example image, converts it into a microVM bundle with the kernel",
      "installed here, and boots it. Needs no registry and no Docker engine."
    })
final class DemoCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      defaultValue = "oci2vm-demo",
      description = "Where to put the example image and the bundle (default: ${DEFAULT-VALUE}).")
  Path output;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path layout = output.resolve("image");
    out.printf("1. Writing the example image to %s (an OCI image layout)%n", layout);
    ImageSource image = Examples.demoImage(layout);
    out.printf("2. Converting it: oci2vm convert %s -o %s%n", image, output.resolve("bundle"));
    BundleResult b =
        Conversion.from(image)
            .onProgress(ProgressRenderer.NONE)
            .writeBundle(
                output.resolve("bundle"),
                SlimPolicy.DEFAULT,
                KernelSource.auto(),
                AppOverrides.NONE);
    out.printf(
        "   slimmed %s to %s; kernel %s; initrd %s%n",
        Format.bytes(b.report().bytesBefore()),
        Format.bytes(b.report().bytesAfter()),
        b.kernelRelease(),
        Format.bytes(b.files().get("initrd.img")));
    out.printf("3. Booting it: oci2vm boot %s%n", b.dir());
    out.flush();
    try (Vm vm = Vm.bundle(b.dir()).start(new FileOutputStream(FileDescriptor.out))) {
      int status = vm.waitForExit(Duration.ofMinutes(5));
      out.printf(
          "The VM powered off with the app's exit status %d (%s, app started %.1f s after QEMU).%n",
          status, vm.kvm() ? "KVM" : "TCG", vm.bootToAppSeconds());
      return status;
    }
  }
}
