package io.oci2vm.cli;

import io.oci2vm.Vm;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code oci2vm boot DIR|FILE}: runs a bundle or disk image in QEMU; exits with the app's status.
 */
@Command(
    name = "boot",
    mixinStandardHelpOptions = true,
    description = {
      "Boots a bundle or a disk image (any format convert writes) in QEMU with the serial",
      "console on this terminal, using KVM when it works here and TCG otherwise. Disks boot",
      "under OVMF (UEFI) when they have an EFI system partition, else SeaBIOS. The exit",
      "status is the app's exit status. Ctrl-C stops the VM."
    })
final class BootCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "DIR|FILE",
      description = "A bundle directory or disk image from oci2vm convert.")
  Path dir;

  @Option(
      names = "--firmware",
      paramLabel = "uefi|bios",
      description = "For a disk: boot with OVMF (uefi) or SeaBIOS (bios); default: uefi if it can.")
  String firmware;

  @Option(
      names = {"-p", "--publish"},
      paramLabel = "HOST:GUEST",
      description = "Forward 127.0.0.1:HOST to the guest's TCP port GUEST; repeatable.")
  List<String> ports = new ArrayList<>();

  @Option(
      names = {"-m", "--memory"},
      paramLabel = "SIZE",
      defaultValue = "256M",
      description = "Guest memory (default: ${DEFAULT-VALUE}).")
  String memory;

  @Option(
      names = "--cpus",
      paramLabel = "N",
      defaultValue = "1",
      description = "vCPUs (default: 1).")
  int cpus;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "0",
      description = "Stop the VM after this many seconds (default: no limit).")
  long timeout;

  @Option(
      names = "--kernel-arg",
      paramLabel = "ARG",
      description = "Add a word to the kernel command line (e.g. ip=dhcp); repeatable.")
  List<String> kernelArgs = new ArrayList<>();

  @Mixin AppOptions app;

  @Override
  public Integer call() throws Exception {
    Vm.Builder b;
    if (java.nio.file.Files.isRegularFile(dir)) {
      b = Vm.disk(dir);
      if (firmware != null) {
        b.firmware(io.oci2vm.BootMode.parse(firmware));
      }
    } else {
      if (firmware != null) {
        throw new io.oci2vm.Oci2vmException(
            io.oci2vm.ErrorCode.BAD_OPTION, "--firmware is for disk images, not bundles");
      }
      b = Vm.bundle(dir);
    }
    b.memory(memory).cpus(cpus).overrides(app.overrides(null, null)).kernelArgs(kernelArgs);
    ports.forEach(b::forward);
    b.interactive(System.console() != null);
    FileOutputStream console = new FileOutputStream(FileDescriptor.out);
    try (Vm vm = b.start(console)) {
      Thread stop = new Thread(vm::close);
      Runtime.getRuntime().addShutdownHook(stop);
      int status =
          vm.waitForExit(timeout > 0 ? Duration.ofSeconds(timeout) : Duration.ofDays(3650));
      Runtime.getRuntime().removeShutdownHook(stop);
      PrintWriter err = spec.commandLine().getErr();
      if (System.getenv("OCI2VM_BOOT_STATS") != null) {
        err.printf(
            "oci2vm: %s, app started %.2f s after QEMU%n",
            vm.kvm() ? "KVM" : "TCG", vm.bootToAppSeconds());
      }
      return status;
    }
  }
}
