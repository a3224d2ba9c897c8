package io.oci2vm.cli;

import io.oci2vm.BootMode;
import io.oci2vm.BundleResult;
import io.oci2vm.DiskFormat;
import io.oci2vm.DiskOptions;
import io.oci2vm.DiskResult;
import io.oci2vm.ErrorCode;
import io.oci2vm.KernelSource;
import io.oci2vm.Oci2vmException;
import io.oci2vm.SlimPolicy;
import io.oci2vm.SlimReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code oci2vm convert REF -o OUT}: the image as a bootable microVM bundle or disk image. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = {
      "Converts an image into a bootable VM image. A bundle (the default for a directory)",
      "is a direct-boot kernel + initramfs: vmlinuz, initrd.img (the slimmed app, oci2vm's",
      "init and the kernel modules the VM needs), cmdline, run-qemu.sh, firecracker.json.",
      "A disk (raw, qcow2, vmdk, vmdk-stream, vhd, vhd-dynamic, vhdx, vdi, ova; taken from",
      "the -o extension when --format is not given) is a GPT disk that boots under UEFI",
      "and BIOS, with the app on a writable ext4 root. Boot either with: oci2vm boot OUT"
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
      paramLabel = "OUT",
      description = {
        "The bundle directory (new, empty, or an earlier bundle to replace), or the disk",
        "image file. With several disk formats, each gets OUT's name with its own extension."
      })
  Path output;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      description = {
        "bundle, raw, qcow2, vmdk, vmdk-stream, vhd (fixed), vhd-dynamic, vhdx, vdi or ova;",
        "repeat for several disk formats from one run (default: from OUT's extension, else",
        "bundle)."
      })
  List<String> formats = new ArrayList<>();

  @Option(
      names = "--disk-size",
      paramLabel = "SIZE",
      description = "The whole disk's size, e.g. 2G (default: the content plus headroom).")
  String diskSize;

  @Option(
      names = "--boot",
      paramLabel = "MODE",
      defaultValue = "hybrid",
      description = "Disk firmware: uefi, bios or hybrid (default: both from one disk).")
  String boot;

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

  @Mixin OutputOptions verbosity;

  @Mixin SlimOptions slim;

  @Mixin SourceOptions source;

  @Mixin AppOptions app;

  @Mixin RemoteOptions remote;

  @Override
  public Integer call() throws IOException {
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
    Map<DiskFormat, Path> disks = diskOutputs();
    if (remote.given()) {
      return convertRemotely(disks);
    }
    if (!disks.isEmpty()) {
      return convertDisks(disks, policy, k);
    }
    if (diskSize != null || !boot.equals("hybrid")) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION, "--disk-size and --boot apply to disk formats, not bundles");
    }
    ProgressRenderer progress = verbosity.renderer(spec.commandLine().getErr());
    BundleResult r =
        source
            .conversion(ref)
            .onProgress(progress)
            .writeBundle(output, policy, k, app.overrides(hostname, network));
    progress.finish();
    if (verbosity.json) {
      out.println(JsonProgress.line(JsonResults.bundle(r)));
      return 0;
    }
    if (!verbosity.summary()) {
      return 0;
    }
    printSlimAndKernel(out, r.report(), r.kernelRelease(), r.kernelOrigin(), r.modules());
    out.printf("Bundle %s:%n", r.dir());
    r.files().forEach((name, size) -> out.printf("  %10s  %s%n", Format.bytes(size), name));
    printTimes(out, r.timings(), "assemble");
    out.printf("Boot it: oci2vm boot %s%n", r.dir());
    return 0;
  }

  /** The disk formats asked for, each with its file; empty for a bundle. */
  Map<DiskFormat, Path> diskOutputs() {
    List<String> names = new ArrayList<>(formats);
    if (names.isEmpty()) {
      String file = output.getFileName().toString();
      String ext = file.contains(".") ? file.substring(file.lastIndexOf('.') + 1) : "";
      DiskFormat f = byExtension(ext);
      if (f == null) {
        return Map.of();
      }
      names.add(f.id());
    }
    if (names.contains("bundle")) {
      if (names.size() > 1) {
        throw new Oci2vmException(
            ErrorCode.BAD_OPTION, "a bundle is a directory of its own; convert it in another run");
      }
      return Map.of();
    }
    Map<DiskFormat, Path> out = new LinkedHashMap<>();
    for (String n : names) {
      out.put(DiskFormat.parse(n), null);
    }
    if (out.size() == 1) {
      out.replaceAll((f, p) -> output);
      return out;
    }
    String file = output.getFileName().toString();
    int dot = file.lastIndexOf('.');
    String stem =
        dot > 0 && byExtension(file.substring(dot + 1)) != null ? file.substring(0, dot) : file;
    Set<String> taken = new HashSet<>();
    for (DiskFormat f : out.keySet()) {
      String name = stem + "." + f.extension();
      if (!taken.add(name)) {
        name = stem + "-" + f.id() + "." + f.extension();
        taken.add(name);
      }
      out.put(f, output.resolveSibling(name));
    }
    return out;
  }

  private static DiskFormat byExtension(String ext) {
    return switch (ext.toLowerCase(java.util.Locale.ROOT)) {
      case "img", "raw" -> DiskFormat.RAW;
      case "qcow2" -> DiskFormat.QCOW2;
      case "vmdk" -> DiskFormat.VMDK;
      case "vhd" -> DiskFormat.VHD;
      case "vhdx" -> DiskFormat.VHDX;
      case "vdi" -> DiskFormat.VDI;
      case "ova" -> DiskFormat.OVA;
      default -> null;
    };
  }

  private int convertDisks(Map<DiskFormat, Path> disks, SlimPolicy policy, KernelSource k)
      throws IOException {
    DiskOptions options =
        new DiskOptions(
            BootMode.parse(boot), diskSize == null ? 0 : DiskOptions.parseSize(diskSize));
    ProgressRenderer progress = verbosity.renderer(spec.commandLine().getErr());
    DiskResult r =
        source
            .conversion(ref)
            .onProgress(progress)
            .writeDisks(disks, options, policy, k, app.overrides(hostname, network));
    progress.finish();
    PrintWriter out = spec.commandLine().getOut();
    if (verbosity.json) {
      out.println(JsonProgress.line(JsonResults.disks(r, disks)));
      return 0;
    }
    if (!verbosity.summary()) {
      return 0;
    }
    printSlimAndKernel(out, r.report(), r.kernelRelease(), r.kernelOrigin(), r.modules());
    out.printf(
        "Disk: %s, boots under %s, root filesystem %s (ext4, writable):%n",
        Format.bytes(r.diskBytes()),
        r.boot() == BootMode.HYBRID ? "UEFI and BIOS" : r.boot().name(),
        Format.bytes(r.rootBytes()));
    disks.forEach(
        (f, p) -> out.printf("  %10s  %-11s %s%n", Format.bytes(r.sizes().get(f)), f.id(), p));
    out.printf("  %10s  %-11s %s%n", "", "record", r.metadata());
    printTimes(out, r.stages(), "disk");
    out.printf("Boot it: oci2vm boot %s%n", disks.values().iterator().next());
    return 0;
  }

  private static void printSlimAndKernel(
      PrintWriter out, SlimReport s, String release, String origin, List<String> modules) {
    out.printf(
        "Slimmed %s to %s (%d of %d files).%n",
        Format.bytes(s.bytesBefore()),
        Format.bytes(s.bytesAfter()),
        s.filesAfter(),
        s.filesBefore());
    out.printf("Kernel %s (%s)", release, origin);
    out.printf(modules.isEmpty() ? "%n" : ", modules: %s%n", String.join(" ", modules));
  }

  private static void printTimes(PrintWriter out, Map<String, Duration> stages, String last) {
    out.printf(
        "Took %s: pull %s, flatten %s, slim %s, %s %s.%n",
        Format.seconds(stages.values().stream().reduce(Duration.ZERO, Duration::plus)),
        Format.seconds(stages.get("pull")),
        Format.seconds(stages.get("flatten")),
        Format.seconds(stages.get("slim")),
        last,
        Format.seconds(stages.get(last)));
  }

  /**
   * With --daemon: the daemon converts (its cache, its kernel) and the results are downloaded to
   * the same places a local run would write them.
   */
  private int convertRemotely(Map<DiskFormat, Path> disks) {
    if (kernel != null || modules != null) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION,
          "--kernel and --modules name files on this machine; with --daemon use --kernel-image");
    }
    if (!app.overrides(hostname, network).equals(io.oci2vm.AppOverrides.NONE)) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION,
          "app overrides, --hostname and --network are not part of the daemon's API yet; convert"
              + " locally (without --daemon) to use them");
    }
    List<String> fs =
        disks.isEmpty() ? List.of("bundle") : disks.keySet().stream().map(DiskFormat::id).toList();
    io.oci2vm.client.ConversionRequest req =
        new io.oci2vm.client.ConversionRequest(
            ref,
            fs,
            slim.noSlim ? Boolean.FALSE : null,
            slim.keep.isEmpty() ? null : slim.keep,
            kernelImage,
            disks.isEmpty() ? null : boot,
            diskSize,
            source.platform,
            null);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (io.oci2vm.client.Oci2vmClient c = remote.client()) {
      io.oci2vm.client.Job j = c.submit(req);
      if (!verbosity.quiet) {
        err.println("submitted job " + j.id());
      }
      j = RemoteCommands.follow(c, j.id(), err, verbosity.quiet, verbosity.json);
      if (j.state() != io.oci2vm.client.JobState.SUCCEEDED) {
        String code = j.error() != null ? j.error().code() : j.state().name();
        String message = j.error() != null ? j.error().message() : "the job ended " + j.state();
        err.println("oci2vm: " + code + ": " + message);
        return Main.EXIT_FAILED;
      }
      Path first = disks.isEmpty() ? null : disks.values().iterator().next();
      java.util.Set<String> got = new java.util.HashSet<>();
      Path bundleDir = output.toAbsolutePath().normalize();
      for (io.oci2vm.client.Artifact a : j.artifacts()) {
        Path target;
        if (a.name().startsWith("bundle/")) {
          target = bundleDir.resolve(a.name().substring("bundle/".length())).normalize();
          if (!target.startsWith(bundleDir) || target.equals(bundleDir)) {
            throw new Oci2vmException(
                ErrorCode.UNSAFE_PATH, "the daemon named an artifact " + a.name());
          }
        } else if (a.format().equals("record") && first != null) {
          String f = first.getFileName().toString();
          int dot = f.lastIndexOf('.');
          target = first.resolveSibling((dot > 0 ? f.substring(0, dot) : f) + ".oci2vm.json");
        } else {
          target =
              disks.keySet().stream()
                  .filter(f -> f.id().equals(a.format()))
                  .findFirst()
                  .map(disks::get)
                  .orElse(null);
        }
        if (target == null) {
          continue;
        }
        java.nio.file.Files.createDirectories(target.toAbsolutePath().getParent());
        c.download(j.id(), a.name(), target);
        got.add(a.format());
        if (!verbosity.quiet) {
          out.printf("  %10s  %-11s %s%n", Format.bytes(a.size()), a.format(), target);
        }
      }
      for (String f : fs) {
        if (!got.contains(f)) {
          throw new Oci2vmException(
              ErrorCode.NOT_FOUND,
              "job "
                  + j.id()
                  + " finished but has no "
                  + f
                  + " artifact to download (deleted or evicted on the daemon); submit it again");
        }
      }
      if (!verbosity.quiet) {
        out.printf(
            "Converted by the daemon (job %s). Boot it: oci2vm boot %s%n",
            j.id(), first != null ? first : output);
      }
      return 0;
    } catch (java.io.IOException e) {
      throw new Oci2vmException(
          ErrorCode.IO_ERROR, "cannot write the downloads: " + e.getMessage(), e);
    }
  }
}
