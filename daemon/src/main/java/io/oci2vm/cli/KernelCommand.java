package io.oci2vm.cli;

import io.oci2vm.Digest;
import io.oci2vm.Kernels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code oci2vm kernel build|ls}: oci2vm's own microVM kernel. */
@Command(
    name = "kernel",
    mixinStandardHelpOptions = true,
    description = "Builds and lists oci2vm's microVM kernels.",
    subcommands = {KernelCommand.Build.class, KernelCommand.Ls.class})
final class KernelCommand {

  @Command(
      name = "build",
      mixinStandardHelpOptions = true,
      description = {
        "Builds the oci2vm microVM kernel from Linux source with the curated config (every",
        "driver the VM needs built in, no modules), once per recipe, and optionally packages",
        "it as a kernel OCI image (LinuxKit layout: /kernel, /kernel.tar). convert uses it by",
        "default once it is built."
      })
  static final class Build implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--source",
        paramLabel = "TARBALL",
        description = "Linux source tarball (default: Debian's /usr/src/linux-source-*.tar.xz).")
    Path source;

    @Option(
        names = "--config",
        paramLabel = "FRAGMENT",
        description = "An extra Kconfig fragment merged after the curated one; repeatable.")
    List<Path> fragments = new ArrayList<>();

    @Option(
        names = {"-o", "--output"},
        paramLabel = "DIR",
        description = "Also write the kernel as an OCI image layout here (tag: the release).")
    Path output;

    @Option(
        names = "--push",
        paramLabel = "REF",
        description = "Also push the kernel image to this registry reference.")
    String push;

    @Option(
        names = "--insecure-registry",
        paramLabel = "HOST[:PORT]",
        description = "Allow plain HTTP for this registry (loopback always is).")
    List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "The oci2vm cache.")
    Path cacheDir;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Kernels kernels = Kernels.in(cacheDir, ProgressRenderer.auto(spec.commandLine().getErr()));
      Kernels.Built b = kernels.build(source, fragments);
      out.printf(
          "Kernel %s (config %s): %s, %s%n",
          b.release(), b.configHash(), b.bzImage(), Format.bytes(b.size()));
      if (output != null) {
        Digest d = kernels.writeImage(b.configHash(), output, b.release());
        out.printf("Kernel image: oci:%s:%s (manifest %s)%n", output, b.release(), d);
      }
      if (push != null) {
        io.oci2vm.ImageReference target = io.oci2vm.ImageReference.parse(push);
        Digest d =
            kernels.pushImage(
                b.configHash(), target, java.util.Set.copyOf(insecureRegistries), null);
        out.printf("Pushed %s@%s%n", target, d);
      }
      return 0;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "Lists cached kernels.")
  static final class Ls implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "The oci2vm cache.")
    Path cacheDir;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      List<Kernels.Cached> all = Kernels.in(cacheDir, e -> {}).list();
      if (all.isEmpty()) {
        out.println(
            "No cached kernels; convert uses the distro kernel. Build one: oci2vm kernel build");
        return 0;
      }
      out.printf("%-6s  %-26s  %-28s  %10s  %s%n", "KIND", "ID", "RELEASE", "SIZE", "PATH");
      for (Kernels.Cached k : all) {
        out.printf(
            "%-6s  %-26s  %-28s  %10s  %s%n",
            k.kind(),
            k.id().length() > 26 ? k.id().substring(0, 26) : k.id(),
            k.release(),
            Format.bytes(k.size()),
            k.path());
      }
      return 0;
    }
  }
}
