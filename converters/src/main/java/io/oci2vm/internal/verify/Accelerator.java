package io.oci2vm.internal.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decides whether to try KVM. {@code OCI2VM_ACCEL=kvm|tcg} forces a choice; otherwise KVM is tried
 * when /dev/kvm is usable and this machine has not been seen to fail with it. On some hosts
 * /dev/kvm exists but guests hang or QEMU aborts; the caller then falls back to TCG and calls
 * {@link #markKvmUnusable()} so later boots go straight to TCG.
 */
public final class Accelerator {
  private final Path marker;

  /** An accelerator chooser that remembers KVM failures under {@code cacheRoot}. */
  public Accelerator(Path cacheRoot) {
    this.marker = cacheRoot.resolve("kvm-unusable-" + machineKey());
  }

  /** Whether to try KVM first. */
  public boolean tryKvm() {
    String forced = System.getenv("OCI2VM_ACCEL");
    if ("tcg".equalsIgnoreCase(forced)) {
      return false;
    }
    if ("kvm".equalsIgnoreCase(forced)) {
      return true;
    }
    Path kvm = Path.of("/dev/kvm");
    return Files.isReadable(kvm) && Files.isWritable(kvm) && !Files.exists(marker);
  }

  /** Whether KVM is forced, so a failure must not fall back. */
  public boolean kvmForced() {
    return "kvm".equalsIgnoreCase(System.getenv("OCI2VM_ACCEL"));
  }

  /** Remembers that KVM does not work on this machine. */
  public void markKvmUnusable() {
    try {
      Files.createDirectories(marker.getParent());
      Files.writeString(marker, "KVM guests did not start here; delete this file to try again\n");
    } catch (IOException ignored) {
      // without the marker the next boot tries KVM again, which only costs time
    }
  }

  /** Identifies this host kernel, so a kernel upgrade retries KVM. */
  private static String machineKey() {
    try {
      String v = Files.readString(Path.of("/proc/version"), StandardCharsets.UTF_8);
      return io.oci2vm.Digest.of(v.getBytes(StandardCharsets.UTF_8)).shortHex();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
