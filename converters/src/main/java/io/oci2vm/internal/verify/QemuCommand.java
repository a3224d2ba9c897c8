package io.oci2vm.internal.verify;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line for a direct-boot bundle or a disk image: no default devices, the serial
 * console on stdio, user-mode networking with loopback-only port forwards, a virtio RNG, and no
 * reboot so the guest's power-off or panic ends QEMU.
 *
 * @param media what to boot: {@link #direct} or {@link #disk} arguments
 * @param memory QEMU's -m value, e.g. 256M
 * @param cpus vCPUs
 * @param kvm KVM (with -cpu host) rather than TCG (with -cpu max)
 * @param ports host:guest TCP forwards, host side bound to 127.0.0.1
 * @param qmp a QMP socket to create, or null
 */
public record QemuCommand(
    List<String> media, String memory, int cpus, boolean kvm, List<PortForward> ports, Path qmp) {
  /** The QEMU binary for x86_64 guests. */
  public static final String BINARY = "qemu-system-x86_64";

  /** A TCP port forward from 127.0.0.1:host to the guest's port. */
  public record PortForward(int host, int guest) {
    /** Parses HOST:GUEST. */
    public static PortForward parse(String s) {
      String[] p = s.split(":");
      if (p.length != 2) {
        throw new io.oci2vm.Oci2vmException(
            io.oci2vm.ErrorCode.BAD_OPTION, "port forward '" + s + "' is not HOST:GUEST");
      }
      try {
        int h = Integer.parseInt(p[0]);
        int g = Integer.parseInt(p[1]);
        if (h < 0 || h > 65535 || g < 1 || g > 65535) {
          throw new NumberFormatException();
        }
        return new PortForward(h, g);
      } catch (NumberFormatException e) {
        throw new io.oci2vm.Oci2vmException(
            io.oci2vm.ErrorCode.BAD_OPTION, "port forward '" + s + "' needs ports 1-65535");
      }
    }
  }

  /** Copies the lists. */
  public QemuCommand {
    media = List.copyOf(media);
    ports = List.copyOf(ports);
  }

  /** OVMF's firmware (read-only) and the variable store template, from Debian's ovmf. */
  public static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");

  /** OVMF's variable store template; each boot gets a writable copy. */
  public static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");

  /** Arguments that boot a kernel and initramfs directly. */
  public static List<String> direct(Path kernel, Path initrd, String cmdline) {
    return List.of("-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", cmdline);
  }

  /**
   * Arguments that boot a disk with SeaBIOS (QEMU's default) or, given {@code ovmfVars} (a writable
   * copy of {@link #OVMF_VARS}), with OVMF; with {@code snapshot}, writes go to a throwaway
   * overlay.
   */
  public static List<String> disk(DiskFile disk, Path ovmfVars, boolean snapshot) {
    List<String> a = new ArrayList<>();
    if (ovmfVars != null) {
      a.addAll(
          List.of(
              "-drive",
              "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
              "-drive",
              "if=pflash,format=raw,unit=1,file=" + ovmfVars.toString().replace(",", ",,")));
    }
    a.addAll(List.of("-drive", disk.driveOption(snapshot)));
    return a;
  }

  /** The argv, binary first. */
  public List<String> argv() {
    List<String> a = new ArrayList<>(List.of(BINARY, "-nodefaults", "-no-user-config"));
    a.addAll(List.of("-display", "none", "-serial", "stdio", "-no-reboot"));
    a.addAll(List.of("-accel", kvm ? "kvm" : "tcg", "-cpu", kvm ? "host" : "max"));
    a.addAll(List.of("-m", memory, "-smp", Integer.toString(cpus)));
    a.addAll(media);
    StringBuilder net = new StringBuilder("user,id=net0");
    for (PortForward p : ports) {
      net.append(",hostfwd=tcp:127.0.0.1:").append(p.host()).append("-:").append(p.guest());
    }
    a.addAll(List.of("-netdev", net.toString(), "-device", "virtio-net-pci,netdev=net0,romfile="));
    a.addAll(List.of("-device", "virtio-rng-pci"));
    if (qmp != null) {
      a.addAll(List.of("-qmp", "unix:" + qmp + ",server=on,wait=off"));
    }
    return a;
  }

  /** A standalone script that boots the bundle it sits in, for users without oci2vm. */
  public static String script() {
    return """
        #!/bin/sh
        # Boots this oci2vm bundle in QEMU with the serial console on this terminal.
        #   ACCEL=kvm ./run-qemu.sh           use KVM (default: tcg, which works everywhere)
        #   MEM=512M ./run-qemu.sh            guest memory (default 256M)
        #   PORTS="8080:80" ./run-qemu.sh     forward 127.0.0.1:8080 to the guest's port 80
        #   ./run-qemu.sh oci2vm.cmd=--help   extra words go to the kernel command line, where
        #                                     oci2vm.entrypoint=, oci2vm.cmd=, oci2vm.env=K=V,
        #                                     oci2vm.user= and oci2vm.workdir= override the app
        # Quit with Ctrl-a x, or let the app exit: the VM powers off with the app's status.
        set -eu
        here=$(cd "$(dirname "$0")" && pwd)
        accel=${ACCEL:-tcg}
        cpu=max
        [ "$accel" = kvm ] && cpu=host
        net=user,id=net0
        for p in ${PORTS:-}; do net="$net,hostfwd=tcp:127.0.0.1:${p%%:*}-:${p##*:}"; done
        exec qemu-system-x86_64 -nodefaults -no-user-config -display none -serial stdio \\
          -no-reboot -accel "$accel" -cpu "$cpu" -m "${MEM:-256M}" -smp 1 \\
          -kernel "$here/vmlinuz" -initrd "$here/initrd.img" \\
          -append "$(cat "$here/cmdline") $*" \\
          -netdev "$net" -device virtio-net-pci,netdev=net0,romfile= -device virtio-rng-pci
        """;
  }
}
