package io.oci2vm;

import java.nio.file.Path;
import java.util.Objects;

/** Where the VM's kernel comes from. */
public sealed interface KernelSource {
  /**
   * oci2vm's own microVM kernel when one has been built on this machine ({@code oci2vm kernel
   * build}), otherwise the installed distro kernel. The conversion reports which it chose.
   */
  static KernelSource auto() {
    return new Auto();
  }

  /** The built oci2vm kernel, else the distro kernel. */
  record Auto() implements KernelSource {}

  /** The distro kernel installed on this machine (/boot/vmlinuz-* with /lib/modules). */
  static KernelSource host() {
    return new Host();
  }

  /** A bzImage/vmlinuz file, with its lib/modules directory or null when drivers are built in. */
  static KernelSource file(Path kernel, Path modules) {
    return new File(kernel, modules);
  }

  /**
   * A kernel OCI image in LinuxKit's layout ({@code /kernel} and {@code /kernel.tar} holding
   * lib/modules), from any source oci2vm reads, pulled and cached by digest.
   */
  static KernelSource image(String source) {
    return new Image(ImageSource.parse(source));
  }

  /** A kernel image. */
  record Image(ImageSource source) implements KernelSource {
    /** Validates the source. */
    public Image {
      Objects.requireNonNull(source, "source was not specified");
    }
  }

  /** The installed distro kernel. */
  record Host() implements KernelSource {}

  /** A kernel file and optional modules directory. */
  record File(Path kernel, Path modules) implements KernelSource {
    /** Validates the kernel path. */
    public File {
      Objects.requireNonNull(kernel, "kernel was not specified");
    }
  }
}
