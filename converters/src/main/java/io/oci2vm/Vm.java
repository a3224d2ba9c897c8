package io.oci2vm;

import io.oci2vm.internal.source.BlobCache;
import io.oci2vm.internal.verify.Accelerator;
import io.oci2vm.internal.verify.DiskFile;
import io.oci2vm.internal.verify.QemuCommand;
import io.oci2vm.internal.verify.QemuProcess;
import io.oci2vm.internal.write.BundleWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A bundle or disk image booted in QEMU. KVM is used when it works; otherwise (or when it is seen
 * to hang here) TCG. Ports are forwarded from 127.0.0.1 only.
 *
 * <pre>{@code
 * try (Vm vm = Vm.bundle(dir).forward(8080, 80).start(System.out)) {
 *   int status = vm.waitForExit(Duration.ofMinutes(5));
 * }
 * }</pre>
 */
public final class Vm implements AutoCloseable {
  /** How long KVM gets to reach the app before it is declared unusable here. */
  private static final long KVM_GRACE_SECONDS = 8;

  private final QemuProcess process;
  private final boolean kvm;
  private final Path qmpDir;

  private Vm(QemuProcess process, boolean kvm, Path qmpDir) {
    this.process = process;
    this.kvm = kvm;
    this.qmpDir = qmpDir;
  }

  /** Starts describing a boot of the bundle in {@code dir}. */
  public static Builder bundle(Path dir) {
    return new Builder(dir, null);
  }

  /**
   * Starts describing a boot of a disk image in any format oci2vm writes (raw, qcow2, vmdk, vhd,
   * vhdx, vdi, ova), attached as a virtio disk. An OVA is read in place and its writes discarded.
   */
  public static Builder disk(Path file) {
    return new Builder(null, Objects.requireNonNull(file, "file was not specified"));
  }

  /** Options for a boot. */
  public static final class Builder {
    private final Path dir;
    private final Path diskFile;
    private BootMode firmware;
    private String memory = "256M";
    private int cpus = 1;
    private final List<QemuCommand.PortForward> ports = new ArrayList<>();
    private final List<String> kernelArgs = new ArrayList<>();
    private boolean interactive;
    private Path cacheDir = BlobCache.defaultRoot();

    private Builder(Path dir, Path diskFile) {
      this.dir = dir;
      this.diskFile = diskFile;
    }

    /**
     * The firmware for a disk boot: {@link BootMode#UEFI} (OVMF) or {@link BootMode#BIOS}
     * (SeaBIOS). Default: UEFI when the disk has an EFI system partition, else BIOS.
     */
    public Builder firmware(BootMode firmware) {
      if (firmware == BootMode.HYBRID) {
        throw new Oci2vmException(ErrorCode.BAD_OPTION, "firmware is uefi or bios, not hybrid");
      }
      this.firmware = firmware;
      return this;
    }

    /** Guest memory as QEMU's -m takes it (default 256M). */
    public Builder memory(String memory) {
      if (!memory.matches("\\d+[MG]?")) {
        throw new Oci2vmException(
            ErrorCode.BAD_OPTION, "memory '" + memory + "' is not like 512M or 2G");
      }
      this.memory = memory;
      return this;
    }

    /** vCPUs (default 1). */
    public Builder cpus(int cpus) {
      this.cpus = cpus;
      return this;
    }

    /** Forwards 127.0.0.1:{@code host} to the guest's TCP {@code guest}. */
    public Builder forward(int host, int guest) {
      ports.add(new QemuCommand.PortForward(host, guest));
      return this;
    }

    /** Forwards HOST:GUEST as the command line writes it. */
    public Builder forward(String hostColonGuest) {
      ports.add(QemuCommand.PortForward.parse(hostColonGuest));
      return this;
    }

    /** Adds words to the kernel command line. */
    public Builder kernelArgs(List<String> args) {
      kernelArgs.addAll(args);
      return this;
    }

    /** Overrides the app at boot time (through the init's kernel command line options). */
    public Builder overrides(AppOverrides o) {
      if (o.entrypoint() != null) {
        o.entrypoint().forEach(a -> kernelArgs.add(param("oci2vm.entrypoint", a)));
        if (o.entrypoint().isEmpty()) {
          kernelArgs.add("oci2vm.entrypoint=");
        }
      }
      if (o.cmd() != null) {
        o.cmd().forEach(a -> kernelArgs.add(param("oci2vm.cmd", a)));
        if (o.cmd().isEmpty()) {
          kernelArgs.add("oci2vm.cmd=");
        }
      }
      o.env().forEach(e -> kernelArgs.add(param("oci2vm.env", e)));
      if (o.user() != null) {
        kernelArgs.add(param("oci2vm.user", o.user()));
      }
      if (o.workdir() != null) {
        kernelArgs.add(param("oci2vm.workdir", o.workdir()));
      }
      return this;
    }

    /** Lets the terminal's input reach the guest console. */
    public Builder interactive(boolean interactive) {
      this.interactive = interactive;
      return this;
    }

    /** Where the KVM verdict is remembered (default: the oci2vm cache). */
    public Builder cacheDir(Path cacheDir) {
      this.cacheDir = cacheDir;
      return this;
    }

    /** Boots, copying the serial console to {@code console}. */
    public Vm start(OutputStream console) {
      Path qmpDir = null;
      try {
        // Everything that can be refused is checked before anything is created.
        DiskFile disk = null;
        BootMode fw = null;
        String cmdline = null;
        if (diskFile != null) {
          disk = checkDisk();
          fw = diskFirmware(disk);
        } else {
          if (!BundleWriter.isBundle(dir)) {
            throw new Oci2vmException(
                ErrorCode.BAD_OPTION,
                dir + " is not an oci2vm bundle (no oci2vm.json and cmdline)");
          }
          cmdline = Files.readString(dir.resolve("cmdline")).trim();
          if (!kernelArgs.isEmpty()) {
            cmdline = cmdline + " " + String.join(" ", kernelArgs);
          }
        }
        qmpDir = Files.createTempDirectory("oci2vm-qmp-");
        Path vars = null;
        if (fw == BootMode.UEFI) {
          vars = qmpDir.resolve("OVMF_VARS.fd");
          Files.copy(QemuCommand.OVMF_VARS, vars);
        }
        Accelerator accel = new Accelerator(cacheDir);
        List<String> media =
            disk != null
                ? QemuCommand.disk(disk, vars, disk.snapshot())
                : QemuCommand.direct(dir.resolve("vmlinuz"), dir.resolve("initrd.img"), cmdline);
        if (accel.tryKvm()) {
          if (disk == null || accel.kvmForced()) {
            QemuProcess p = QemuProcess.start(command(media, true, qmpDir), console, interactive);
            if (p.awaitAppStart(KVM_GRACE_SECONDS, TimeUnit.SECONDS) || accel.kvmForced()) {
              return new Vm(p, true, qmpDir);
            }
            p.close(); // nothing of the app has run yet: safe to start over with TCG
          } else {
            // A trial on a throwaway overlay: a KVM guest that hangs and is killed must not
            // leave a half-written root filesystem for the boot that follows.
            QemuProcess trial =
                QemuProcess.start(
                    command(QemuCommand.disk(disk, vars, true), true, qmpDir),
                    OutputStream.nullOutputStream(),
                    false);
            boolean works = trial.awaitAppStart(KVM_GRACE_SECONDS, TimeUnit.SECONDS);
            trial.close();
            if (works) {
              return new Vm(
                  QemuProcess.start(command(media, true, qmpDir), console, interactive),
                  true,
                  qmpDir);
            }
          }
          accel.markKvmUnusable();
        }
        return new Vm(
            QemuProcess.start(command(media, false, qmpDir), console, interactive), false, qmpDir);
      } catch (IOException e) {
        deleteQuietly(qmpDir);
        throw new Oci2vmException(
            ErrorCode.BOOT_FAILED, "cannot start the VM: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        deleteQuietly(qmpDir);
        Thread.currentThread().interrupt();
        throw new Oci2vmException(ErrorCode.BOOT_FAILED, "interrupted while starting the VM", e);
      } catch (RuntimeException e) {
        deleteQuietly(qmpDir);
        throw e;
      }
    }

    private DiskFile checkDisk() throws IOException {
      if (!kernelArgs.isEmpty()) {
        throw new Oci2vmException(
            ErrorCode.BAD_OPTION,
            "a disk image carries its kernel command line; kernel arguments and app overrides"
                + " apply to bundles (convert with the overrides instead)");
      }
      DiskFile disk = DiskFile.of(diskFile);
      if (disk.partitionTypes().isEmpty()) {
        throw new Oci2vmException(
            ErrorCode.BAD_OPTION,
            diskFile
                + " is not a disk oci2vm can boot: read as "
                + disk.format()
                + ", it has no GPT partition table");
      }
      return disk;
    }

    /** UEFI when the disk has an ESP and OVMF is installed; BIOS when it can and OVMF is not. */
    private BootMode diskFirmware(DiskFile disk) throws IOException {
      boolean ovmf =
          Files.isRegularFile(QemuCommand.OVMF_CODE) && Files.isRegularFile(QemuCommand.OVMF_VARS);
      BootMode fw = firmware;
      if (fw == null) {
        fw = disk.uefiBootable() && (ovmf || !disk.biosBootable()) ? BootMode.UEFI : BootMode.BIOS;
        if (!disk.uefiBootable() && !disk.biosBootable()) {
          fw = BootMode.UEFI; // not one of ours: let OVMF look for a boot loader
        }
      }
      if (fw == BootMode.UEFI && !ovmf) {
        throw new Oci2vmException(
            ErrorCode.BOOTLOADER_NOT_FOUND,
            "UEFI boot needs OVMF ("
                + QemuCommand.OVMF_CODE
                + "); install Debian's ovmf (scripts/setup) or boot with --firmware bios");
      }
      return fw;
    }

    private static void deleteQuietly(Path dir) {
      if (dir == null) {
        return;
      }
      try {
        io.oci2vm.internal.FileTrees.deleteRecursively(dir);
      } catch (IOException ignored) {
        // an empty temp dir left behind is harmless
      }
    }

    private QemuCommand command(List<String> media, boolean kvm, Path qmpDir) {
      return new QemuCommand(
          media, memory, cpus, kvm, ports, qmpDir.resolve(kvm ? "qmp-kvm.sock" : "qmp.sock"));
    }

    /** A kernel parameter; values with spaces are quoted, as the init's parser expects. */
    private static String param(String key, String value) {
      if (value.contains("\"") || value.contains("\n")) {
        throw new Oci2vmException(
            ErrorCode.BAD_OPTION,
            "boot-time value '"
                + value
                + "' has a quote or newline, which the kernel command line"
                + " cannot carry; set it at convert time instead");
      }
      return value.contains(" ") || value.isEmpty()
          ? key + "=\"" + value + "\""
          : key + "=" + value;
    }
  }

  /** Whether the VM runs under KVM (else TCG). */
  public boolean kvm() {
    return kvm;
  }

  /** Waits until the app started; false if it did not within the timeout. */
  public boolean awaitAppStart(Duration timeout) throws InterruptedException {
    return process.awaitAppStart(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Seconds from QEMU's start to the app's start, -1 before then. */
  public double bootToAppSeconds() {
    return process.bootToAppSeconds();
  }

  /** Presses the ACPI power button; the app gets SIGTERM and the VM powers off after it exits. */
  public void powerdown() {
    try {
      process.powerdown();
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.BOOT_FAILED, "cannot reach QEMU's QMP socket: " + e.getMessage(), e);
    }
  }

  /** Waits for the VM to power off and returns the app's exit status. */
  public int waitForExit(Duration timeout) throws InterruptedException {
    return process.waitForExit(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The last console lines. */
  public String consoleTail() {
    return process.consoleTail();
  }

  /** Stops the VM if it still runs. */
  @Override
  public void close() {
    process.close();
    try {
      Files.deleteIfExists(qmpDir.resolve("qmp.sock"));
      Files.deleteIfExists(qmpDir.resolve("qmp-kvm.sock"));
      Files.deleteIfExists(qmpDir.resolve("OVMF_VARS.fd"));
      Files.deleteIfExists(qmpDir);
    } catch (IOException ignored) {
      // an empty temp dir left behind is harmless
    }
  }
}
