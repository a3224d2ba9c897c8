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

/** {@code oci2vm boot DIR}: runs a bundle in QEMU; the exit status is the app's. */
@Command(
    name = "boot",
    mixinStandardHelpOptions = true,
    description = {
      "Boots a bundle in QEMU with the serial console on this terminal, using KVM when it",
      "works here and TCG otherwise. The exit status is the app's exit status.",
      "Ctrl-C stops the VM."
    })
final class BootCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "A bundle from oci2vm convert.")
  Path dir;

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
    Vm.Builder b =
        Vm.bundle(dir)
            .memory(memory)
            .cpus(cpus)
            .overrides(app.overrides(null, null))
            .kernelArgs(kernelArgs);
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
